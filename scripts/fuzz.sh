#!/bin/sh
# Builds the libFuzzer targets (tests/fuzz, docs/fuzzing.md) with clang and runs each for a
# while:
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]      default: all, 60 seconds each, one at a time
#
# TARGET is control, config, params or module_image. Each run starts from the checked-in
# seeds (tests/fuzz/corpus/TARGET) plus what earlier runs found, kept in the build tree
# (BUILD/fuzz/corpus/TARGET, never in the repository); crash, leak and timeout inputs are
# saved as BUILD/fuzz/crashes/TARGET/crash-* (etc.), the log as BUILD/fuzz/logs/TARGET.log.
# Exits non-zero if any target found something. A saved input becomes a regression test by
# copying it to tests/fuzz/regressions/TARGET/ (ctest -L fuzz replays those).
#
# Environment: LKMFS_FUZZ_BUILD_DIR (default build-fuzz), LKMFS_FUZZ_ARGS (extra libFuzzer
# flags, e.g. "-jobs=2" or "-max_len=4096"). Needs clang with libFuzzer (Debian 12: the
# clang package; scripts/install-fuzz-deps.sh installs it).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-all}
seconds=${2:-60}
build=${LKMFS_FUZZ_BUILD_DIR:-"$here/build-fuzz"}
all_targets="control config params module_image"

case "$target" in
  all) targets=$all_targets ;;
  control | config | params | module_image) targets=$target ;;
  *)
    echo "fuzz.sh: unknown target '$target' (one of: $all_targets, all)" >&2
    exit 2
    ;;
esac
case "$seconds" in
  '' | *[!0-9]*)
    echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2
    exit 2
    ;;
esac

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: clang++ not found (run scripts/install-fuzz-deps.sh)" >&2
  exit 1
fi

launcher=""
if command -v ccache >/dev/null 2>&1; then
  launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
fi
# shellcheck disable=SC2086 # $launcher is two words or none
CC=clang CXX=clang++ cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLKMFS_WERROR=ON -DLKMFS_FUZZ=ON $launcher >/dev/null
programs=""
for t in $targets; do programs="$programs fuzz_$t"; done
# shellcheck disable=SC2086
nice cmake --build "$build" -j"$(nproc)" --target $programs

# The kernel's oops handler (params) installs its own SIGSEGV handler, as in the daemon.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allow_user_segv_handler=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

status=0
for t in $targets; do
  corpus="$build/fuzz/corpus/$t"
  crashes="$build/fuzz/crashes/$t"
  log="$build/fuzz/logs/$t.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  # libFuzzer's default is 4096 bytes (or the largest seed); a parameter string must be
  # able to outgrow a 4 KiB page.
  max_len=""
  [ "$t" = params ] && max_len="-max_len=16384"
  echo "fuzz.sh: $t for ${seconds}s (log $log)"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: growth is a leak.
  # shellcheck disable=SC2086 # LKMFS_FUZZ_ARGS is a list of flags
  if nice "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -dict="$here/tests/fuzz/dict/$t.dict" \
    -artifact_prefix="$crashes/" $max_len ${LKMFS_FUZZ_ARGS:-} \
    "$corpus" "$here/tests/fuzz/corpus/$t" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  # The final stats: runs, speed, coverage, corpus.
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  echo "fuzz.sh: $t: $result, ${runs:-?} runs, ${speed:-?} exec/s; last: ${last:-none}"
  if [ "$result" = FAILED ]; then
    grep -E 'ERROR: |SUMMARY: |Test unit written' "$log" | head -n 5 || true
  fi
done
exit $status
