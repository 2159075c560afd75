#!/usr/bin/env bash
# `make run`: starts the Flamewatch agent on 127.0.0.1 (a free port) and prints the UI URL. When the collector
# and the demo app are built, also starts the demo .NET app and attaches the collector in local mode with a
# short period, so flame graphs appear within two periods. Ctrl-C stops everything this script started.
# Builds are done by `make build` (make run depends on it). Settings (environment):
#   CONFIGURATION (Release)  FLAMEWATCH_DATA_DIR (.dev/agent-data)  FLAMEWATCH_PORT (a free port)  FLAMEWATCH_PERIOD (10s)
set -euo pipefail
cd "$(dirname "$0")/.."
config=${CONFIGURATION:-Release}
data_dir=${FLAMEWATCH_DATA_DIR:-.dev/agent-data}
period=${FLAMEWATCH_PERIOD:-10s}
port=${FLAMEWATCH_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
url="http://127.0.0.1:${port}"

agent_dll=src/Agent/bin/$config/net10.0/flamewatch-agent.dll
[ -f "$agent_dll" ] || { echo "run: $agent_dll is missing; run 'make build' first" >&2; exit 1; }

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop INT TERM EXIT

mkdir -p "$data_dir" .dev
dotnet "$agent_dll" --urls "$url" --data-dir "$data_dir" > .dev/agent.log 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "run: the agent exited; see .dev/agent.log" >&2; cat .dev/agent.log >&2; exit 1; }
  sleep 0.2
done
echo "Flamewatch agent: $url  (data in $data_dir, log in .dev/agent.log)"

collector_dll=src/NodeCollector/bin/$config/net10.0/flamewatch-collector.dll
demo_dll=tests/TestKit/TargetApp/bin/$config/net10.0/Flamewatch.TestKit.TargetApp.dll
if [ -d src/NodeCollector ] && [ -f "$collector_dll" ] && [ -f "$demo_dll" ]; then
  # The demo app samples at 100 Hz, the collector's default frequency.
  DOTNET_EventPipeThreadSamplingRate=A dotnet "$demo_dll" hot sleep alloc > .dev/demo-app.log 2>&1 &
  demo_pid=$!
  pids+=("$demo_pid")
  for _ in $(seq 1 50); do grep -q '^ready' .dev/demo-app.log 2>/dev/null && break; sleep 0.2; done
  dotnet "$collector_dll" profile --pid "$demo_pid" --agent "$url" --application-name demo-app --period "$period" > .dev/collector.log 2>&1 &
  pids+=($!)
  echo "Demo app (pid $demo_pid) profiled every $period; its flame graphs appear within two periods."
else
  echo "The collector or the demo app is not built; the agent runs alone. Point any Datadog or Pyroscope profiler at $url."
fi
echo
echo "  Open the UI: $url/"
echo
echo "Ctrl-C stops everything started here."
wait "${pids[0]}"
