#!/usr/bin/env bash
# The main job: set up, build (release), train the default starting policy with supervised
# fine-tuning on the built-in arithmetic task (about 10 minutes on 2 cores), and evaluate
# it on the test split, ending in the results table. Re-running resumes the SFT run from its
# checkpoint (a finished run is not retrained). The RL pipelines replace this as they land.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
swift build -c release --product spo 2>&1 | grep -E "error|warning: |Compiling|Build" | grep -v "prohibited flag" || true
spo=.build/release/spo
run=runs/sft-default
if [[ -f $run/checkpoint/trainer_state.json ]]; then
  $spo sft configs/sft/default.json --resume
else
  $spo sft configs/sft/default.json
fi
$spo eval $run/checkpoint --config configs/sft/default.json
