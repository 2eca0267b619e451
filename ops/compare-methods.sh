#!/usr/bin/env bash
# The comparison of docs/results.md: trains the default SFT policy (runs/sft-default,
# made by ops/run-main.sh) with every method's pipeline for the same 30 iterations and
# evaluation schedule, then prints the table and writes the plot
# (docs/results-accuracy.svg). About 50 minutes on 2 idle cores, two runs at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release 2>&1 | grep -E "error|warning: " | grep -v "prohibited flag" || true
spo=.build/release/spo
[[ -f runs/sft-default/checkpoint/model.safetensors ]] || { echo "no runs/sft-default/checkpoint: run ops/run-main.sh first" >&2; exit 1; }
run_methods() { for method in "$@"; do $spo run "pipelines/$method.json" --quiet --overwrite > "runs/$method.out" 2>&1; done; }
mkdir -p runs
run_methods spo-chain grpo vineppo &
run_methods spo-tree rloo ppo treepo &
wait
python3 ops/plot_results.py docs/results-accuracy.svg runs/spo-chain runs/spo-tree runs/grpo runs/rloo runs/ppo runs/vineppo runs/treepo
