#!/bin/sh
# Install flipside's build dependencies from Debian 12 packages (no vendored copies, no network at
# build time). As root it runs apt-get; otherwise it prints the exact command to run.
set -eu
#   cmake/deps.sh          what building and testing flipside needs
#   cmake/deps.sh --fuzz   also clang-14 + libclang-rt-14-dev (libFuzzer, for tests/fuzz/run.sh)
#   cmake/deps.sh --format also clang-format (Debian 12: version 14, the one the tree is formatted with)
pkgs="g++ cmake make git pkg-config ccache libxtensor-dev libxsimd-dev xtl-dev catch2 libbenchmark-dev
libsimdjson-dev libutf8proc-dev libcli11-dev libopenblas-dev"
[ "${1:-}" = "--fuzz" ] && pkgs="$pkgs clang-14 libclang-rt-14-dev"
[ "${1:-}" = "--format" ] && pkgs="$pkgs clang-format"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "cmake/deps.sh: installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "cmake/deps.sh: installing with sudo:$missing" >&2
  sudo apt-get update -qq
  # shellcheck disable=SC2086
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "cmake/deps.sh: missing Debian packages; run:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
