#!/usr/bin/env bash
# Runs every test project of the solution one assembly at a time (profiling tests measure real
# processes, so they must not compete with other suites for the two cores) and prints one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
# Some tests run target apps and the collector as another user (a pod's runAsUser, a collector without rights): that
# user must be able to reach this checkout. A clone in a private directory (mktemp -d is 0700) gets traverse-only
# permission (o+x, no listing) on each directory above it that lacks it, and says so.
if [ "$(id -u)" -eq 0 ]; then
  dir=$(pwd)
  while [ "$dir" != "/" ]; do
    if [ -z "$(find "$dir" -maxdepth 0 -perm -o+x)" ]; then
      echo "test: giving other users traverse permission (o+x) on $dir so targets run as another user reach the checkout"
      chmod o+x "$dir"
    fi
    dir=$(dirname "$dir")
  done
fi
log=$(mktemp)
dotnet test Operator.sln --no-build -c "${CONFIGURATION:-Release}" -m:1 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# VSTest prints one line per assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 1, Total: 13, ..."
read -r passed failed skipped < <(grep -E '^(Passed|Failed|Skipped)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
rm -f "$log"
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$rc"
