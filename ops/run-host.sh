#!/usr/bin/env bash
# Runs one host's part of a multi-host pipeline spec (docs/runtime.md, "Several hosts"):
#
#   ops/run-host.sh SPEC HOST [more spo run options]
#   ops/run-host.sh --resume RUN_DIR HOST     (continues a stopped run; on every host)
#
# On the spec's driver.host this is the driver and that host's stages; on any other host,
# a supervisor that starts, restarts and stops the stages placed there until the driver
# stops the run. Start it on every host of the spec, in any order, from a checkout with
# the same layout (the spec's paths are relative to the repository root). Exit status:
# 0 when the run finished (or, on a supervised host, when the driver stopped it), 1 on
# failure, 128 + N after signal N.
#
# As a systemd unit (one instance per host name; put the spec path in SPO_SPEC):
#   [Service]
#   WorkingDirectory=/srv/spo
#   Environment=SPO_SPEC=pipelines/spo-chain.json
#   ExecStart=/srv/spo/ops/run-host.sh ${SPO_SPEC} %i
#   KillSignal=SIGINT
#   TimeoutStopSec=60
# and `systemctl start spo-host@gpu1` on gpu1. As a Slurm job with one task per node,
# each task naming its node's host (hosts named as the nodes):
#   srun --ntasks-per-node=1 bash -c 'ops/run-host.sh pipelines/x.json "$SLURMD_NODENAME"'
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 2 ]]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
if [[ $1 == --resume ]]; then
  [[ $# -ge 3 ]] || { echo "usage: ops/run-host.sh --resume RUN_DIR HOST" >&2; exit 2; }
  target=(--resume "$2"); host=$3; shift 3
else
  target=("$1"); host=$2; shift 2
fi
spo=.build/release/spo
if [[ ! -x $spo ]]; then
  swift build -c release 2>&1 | grep -E "error|warning: |Build" | grep -v "prohibited flag" || true
fi
exec "$spo" run "${target[@]}" --host "$host" --quiet "$@"
