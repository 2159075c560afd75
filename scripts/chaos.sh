#!/usr/bin/env bash
# `make chaos`: runs the fault scenarios of bench/Chaos (each bounded in time, loopback only); each prints what it
# measured and the run exits non-zero when a check fails. Arguments select scenarios (outage, midupload, targets,
# apifaults, collectorfaults, operatorkills, replicas) and `--cycles N` sets the target kill loop (default 300); e.g.
# `make chaos CHAOS_ARGS="targets --cycles 1000"`.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Chaos -c "${CONFIGURATION:-Release}" --nologo -v quiet
exec dotnet "bench/Chaos/bin/${CONFIGURATION:-Release}/net10.0/Flamewatch.Bench.Chaos.dll" "$@"
