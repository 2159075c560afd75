#!/usr/bin/env bash
# Runs every benchmark under bench/ in turn; each prints its own figures, measured side by side in one run.
# Then a soak: the target app under the collector for SOAK_SECONDS (default 1800, 30 minutes; SOAK_SECONDS=60 make bench for a quick run).
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
for proj in bench/*/*.csproj; do
  # Fault scenarios have their own target (make chaos).
  [[ $proj == bench/Chaos/* ]] && continue
  echo "=== $(basename "$(dirname "$proj")") ==="
  dotnet run -c "${CONFIGURATION:-Release}" --project "$proj" -- "$@"
done
echo "=== Soak ==="
dotnet run -c "${CONFIGURATION:-Release}" --project bench/Chaos -- soak --soak-seconds "${SOAK_SECONDS:-1800}"
