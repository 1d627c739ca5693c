#!/bin/sh
# CI's sanitizer gates (.ci/run runs them after scripts/run-tests.sh):
#
#   scripts/sanitize.sh address   ASan + UBSan build (build-ci-asan): the unit, integration
#                                 and stress tests (not fidelity and seekmark, which are not
#                                 about the daemon)
#   scripts/sanitize.sh thread    TSan build (build-ci-tsan) of only what the concurrency
#                                 tests need: the tests labelled `concurrency`
#   scripts/sanitize.sh [all]     both, address first
#
# Any sanitizer report fails the test that saw it: unit test programs exit non-zero, and a
# report in a daemon's output fails the integration test (tests/integration/support) or the
# stress test that started it. Extra arguments after the mode go to ctest.
# LKMFS_ASAN_BUILD_DIR / LKMFS_TSAN_BUILD_DIR choose the build trees; ccache is used when
# installed.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-all}
[ $# -gt 0 ] && shift
jobs=$(nproc)

launcher=""
if command -v ccache >/dev/null 2>&1; then
  launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
fi

# Sanitizer reports end the process with a failing status, each with its stack.
# allow_user_segv_handler: the daemon's oops handler (fsd/kernel/oops.cpp) takes over
# SIGSEGV/SIGFPE/SIGBUS from ASan, as it must to contain module faults.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=66:detect_leaks=1:allow_user_segv_handler=1:detect_stack_use_after_return=0:strict_string_checks=0"
# Leaks of module memory are the kmemleak tests' business (scripts/lsan-suppressions.txt).
export LSAN_OPTIONS="suppressions=$here/scripts/lsan-suppressions.txt"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=66"
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:history_size=4${LKMFS_TSAN_SUPPRESSIONS:+:suppressions=$LKMFS_TSAN_SUPPRESSIONS}"

configure() { # configure BUILD_DIR SANITIZER
  # shellcheck disable=SC2086 # $launcher is two words or none
  cmake -S "$here" -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLKMFS_WERROR=ON \
    -DLKMFS_SANITIZE="$2" $launcher >/dev/null
}

stamp() { date +%s; }

run_address() {
  build=${LKMFS_ASAN_BUILD_DIR:-"$here/build-ci-asan"}
  t0=$(stamp)
  configure "$build" address
  # The daemon, lkmctl, the modules and every *_test program, but not seekmark's shim,
  # benchmark and tests (never instrumented, and not run here).
  targets=$(cmake --build "$build" --target help | sed -n 's/^\.\.\. //p' |
    grep -E '^(lkmfsd|lkmctl|sample_modules|test_modules|[a-z0-9_]+_test)$' | grep -v '^seekmark')
  # shellcheck disable=SC2086 # one word per target
  cmake --build "$build" -j"$jobs" --target $targets
  t1=$(stamp)
  # Not the labels fidelity (modules built against the real Linux headers, no daemon
  # involved) and seekmark (the preloaded shim, never instrumented; its differential tests
  # take minutes).
  (cd "$build" && ctest --output-on-failure -j"$jobs" -L 'unit|integration|stress' "$@")
  t2=$(stamp)
  echo "sanitize address: build $((t1 - t0)) s, tests $((t2 - t1)) s"
}

# The programs the `concurrency` tests run (tests/CMakeLists.txt, LKMFS_CONCURRENCY_TESTS);
# a test whose program is not built here shows up as *_NOT_BUILT and fails.
TSAN_TARGETS="lkmfsd lkmctl sample_modules test_modules
  sync_atomic_test sync_spinlock_test sync_mutex_test sync_wait_test sync_static_init_test
  deferred_timer_test deferred_work_test procfs_poll_test procfs_calls_in_flight_test
  control_thread_group_test control_server_test
  sync_samples_test deferred_samples_test poll_test sleeping_handlers_test gate_signals_test"

run_thread() {
  build=${LKMFS_TSAN_BUILD_DIR:-"$here/build-ci-tsan"}
  t0=$(stamp)
  configure "$build" thread
  # shellcheck disable=SC2086 # one word per target
  cmake --build "$build" -j"$jobs" --target $TSAN_TARGETS
  t1=$(stamp)
  (cd "$build" && ctest --output-on-failure -j"$jobs" -L concurrency "$@")
  t2=$(stamp)
  echo "sanitize thread: build $((t1 - t0)) s, tests $((t2 - t1)) s"
}

case "$mode" in
  address) run_address "$@" ;;
  thread) run_thread "$@" ;;
  all)
    run_address "$@"
    run_thread "$@"
    ;;
  *)
    echo "usage: $0 [address|thread|all] [ctest arguments]" >&2
    exit 2
    ;;
esac
