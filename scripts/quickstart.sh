#!/bin/sh
# Quick start, step one: installs what is missing, builds, and mounts lkmfs with the
# default configuration (sample modules loaded) on MOUNTPOINT (default: ./mnt).
# Run it again after a change: it stops the running instance first.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
mnt=${1:-"$here/mnt"}
build=${LKMFS_BUILD_DIR:-"$here/build"}

"$here/scripts/install-deps.sh"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j"$(nproc)"

mkdir -p "$mnt"
if grep -qs " $(realpath "$mnt") fuse.lkmfs " /proc/self/mountinfo; then
  echo "quickstart: stopping the lkmfs already mounted on $mnt"
  fusermount3 -u "$mnt"
  # The daemon runs module exits after the unmount; wait until it is gone.
  for _ in $(seq 50); do pgrep -f "lkmfsd $mnt" >/dev/null || break; sleep 0.1; done
fi

"$build/bin/lkmfsd" "$mnt"
echo "quickstart: lkmfs serves $mnt (stop it with: fusermount3 -u $mnt)"
echo "quickstart: try  cat $mnt/hello2; echo hi > $mnt/kbuf; cat $mnt/kbuf; $build/bin/lkmctl dmesg"
