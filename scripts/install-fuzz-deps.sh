#!/bin/sh
# Installs, from Debian 12's archive, what scripts/fuzz.sh needs on top of
# scripts/install-deps.sh: clang (clang-14, whose libclang-rt-14-dev carries libFuzzer and
# the sanitizer runtimes). Idempotent.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
"$here/install-deps.sh"

missing=""
for p in clang libclang-rt-14-dev; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -z "$missing" ]; then
  echo "install-fuzz-deps: all dependencies present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-fuzz-deps: installing:$missing"
$SUDO apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
