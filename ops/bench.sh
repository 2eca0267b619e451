#!/usr/bin/env bash
# Engine benchmarks (release build): `spo bench model` on the tiny default model and the
# SmolLM2-135M shape, with ratios against docs/bench-torch.json (made by
# ops/bench-model.sh). Pass --quick to bench only the tiny model.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
swift build -c release --product spo 2>&1 | grep -E "error|warning: " | grep -v "prohibited flag" || true
configs=(--config configs/models/tiny.json --config configs/models/smollm2-135m.json)
[[ ${1:-} == --quick ]] && configs=(--config configs/models/tiny.json)
torch_args=()
[[ -f docs/bench-torch.json ]] && torch_args=(--torch docs/bench-torch.json)
mkdir -p runs
.build/release/spo bench model "${configs[@]}" "${torch_args[@]}" --out runs/bench-model.json
