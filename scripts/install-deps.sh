#!/bin/sh
# Installs, from Debian 12's archive, everything lkmfs needs to build, run and test
# (linux-headers-amd64: the real Linux 6.1 headers and kbuild, for the fidelity test).
# Idempotent: packages already present are left alone, and apt is not touched at all
# when nothing is missing.
set -eu

PACKAGES="
  build-essential cmake pkg-config make
  libfuse3-dev fuse3
  libboost-dev
  libyaml-cpp-dev
  libgtest-dev libgmock-dev
  libelf-dev
  libfmt-dev
  libcli11-dev
  nlohmann-json3-dev
  libsystemd-dev
  kmod
  python3
  linux-headers-amd64
"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "install-deps: all dependencies present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "install-deps: installing:$missing"
$SUDO apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
