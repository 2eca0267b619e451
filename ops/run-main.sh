#!/usr/bin/env bash
# The main job: set up, build (release), train the default starting policy with supervised
# fine-tuning on the built-in arithmetic task (about 6 minutes on 2 idle cores; skipped when
# runs/sft-default holds a finished run), then a short SPO-chain run from it as five stage
# processes, ending in the results table (training metrics per iteration and held-out
# accuracy before, during and after). The SPO-chain run starts afresh each time.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
swift build -c release 2>&1 | grep -E "error|warning: |Compiling|Build" | grep -v "prohibited flag" || true
spo=.build/release/spo
run=runs/sft-default
if [[ -f $run/checkpoint/trainer_state.json ]]; then
  $spo sft configs/sft/default.json --resume
else
  $spo sft configs/sft/default.json
fi
$spo run pipelines/spo-chain.json --quiet --overwrite
