#!/bin/sh
# Quick start, step two: installs what is missing, builds, and runs the whole test suite.
# Extra arguments go to ctest (e.g. -R MountBasics, -L unit).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=${LKMFS_BUILD_DIR:-"$here/build"}

"$here/scripts/install-deps.sh"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLKMFS_WERROR=ON
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
