#!/usr/bin/env bash
# PyTorch CPU baseline for the Swift model benchmark: writes docs/bench-torch.json.
# Usage: ops/bench-model.sh [--quick] [--repeats N] [--configs a.json b.json ...]
# The venv .venv-bench holds the CPU wheel torch==2.13.0+cpu (from the local wheel
# folder pip searches) and numpy; it is never a dependency of the Swift tests.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-bench
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import numpy, torch; assert torch.__version__ == "2.13.0+cpu"' 2>/dev/null; then
  "$venv/bin/pip" install --quiet 'torch==2.13.0+cpu' numpy
fi
exec "$venv/bin/python" ops/bench_torch.py --out docs/bench-torch.json "$@"
