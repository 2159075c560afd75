#!/usr/bin/env bash
# Runs every benchmark under bench/ in turn; each prints its own figures, measured side by side in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
for proj in bench/*/*.csproj; do
  echo "=== $(basename "$(dirname "$proj")") ==="
  dotnet run -c "${CONFIGURATION:-Release}" --project "$proj" -- "$@"
done
