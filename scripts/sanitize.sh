#!/bin/sh
# CI's sanitizer gates (.ci/run runs `scripts/sanitize.sh all` after scripts/run-tests.sh):
#
#   scripts/sanitize.sh address   ASan + UBSan (build-ci-asan): the unit tests, and the
#                                 integration and stress tests against an ASan daemon
#   scripts/sanitize.sh thread    TSan (build-ci-tsan): the tests labelled `concurrency`,
#                                 the integration ones and stress against a TSan daemon
#   scripts/sanitize.sh [all]     both, address first
#
# A sanitizer tree builds what runs instrumented: lkmfsd, lkmctl and the unit test programs
# (which link the daemon's code). The integration tests and the stress test are drivers --
# subprocesses, a FUSE mount, a harness -- so the plain build's programs (LKMFS_BUILD_DIR,
# default build/; scripts/run-tests.sh builds it) run again, pointed at the instrumented
# lkmfsd and lkmctl through LKMFS_TEST_DAEMON_TREE. Modules are never instrumented (kbuild
# compiles them, as for a real kernel): the tests load the plain tree's, and a sanitizer
# tree builds only the sample modules, which a daemon with the default configuration
# finds beside itself.
#
# Any sanitizer report fails the test that saw it: unit test programs exit non-zero, and a
# report in a daemon's output fails the integration test (tests/integration/support) or the
# stress test that started it. Extra arguments after the mode go to every ctest run.
# LKMFS_ASAN_BUILD_DIR / LKMFS_TSAN_BUILD_DIR choose the sanitizer trees; ccache is used
# when installed.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
plain=${LKMFS_BUILD_DIR:-"$here/build"}
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

# Tests labelled integration that never start a daemon from the build tree: the seed
# Makefile's script and the install-tree build (each checks the plain tree).
NOT_DAEMON_TESTS='^(sample_modules|SdkBuild\.)'

stamp() { date +%s; }

# RelWithDebInfo with -g1: line tables are all a sanitizer's report needs, and full debug
# information makes an instrumented file of the daemon take up to 1.6x as long to compile.
configure() { # configure BUILD_DIR SANITIZER
  # shellcheck disable=SC2086 # $launcher is two words or none
  cmake -S "$here" -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLKMFS_WERROR=ON \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DLKMFS_SANITIZE="$2" $launcher >/dev/null
}

need_plain_tree() {
  if [ ! -x "$plain/bin/lkmfsd" ] || [ ! -f "$plain/CTestTestfile.cmake" ]; then
    echo "sanitize: no built plain tree at $plain (run scripts/run-tests.sh first," \
      "or set LKMFS_BUILD_DIR)" >&2
    exit 2
  fi
}

# run_gate NAME BUILD_DIR SANITIZER UNIT_LIST UNIT_LABELS DRIVER_LABELS
# UNIT_LIST: the file the configured tree lists its unit programs in (tests/CMakeLists.txt
# writes unit_programs.txt, all of them, and concurrency_unit_programs.txt).
run_gate() {
  name=$1 build=$2 sanitizer=$3 units=$4 unit_labels=$5 driver_labels=$6
  shift 6
  need_plain_tree
  t0=$(stamp)
  configure "$build" "$sanitizer"
  # sample_modules: a daemon finds its default modules beside itself (../lib/lkmfs).
  # shellcheck disable=SC2046 # one word per target
  cmake --build "$build" -j"$jobs" --target lkmfsd lkmctl sample_modules \
    $(cat "$build/tests/$units")
  t1=$(stamp)
  (cd "$build" && ctest --output-on-failure -j"$jobs" -L "$unit_labels" -LE "integration|stress" "$@")
  t2=$(stamp)
  (cd "$plain" && LKMFS_TEST_DAEMON_TREE="$build" ctest --output-on-failure -j"$jobs" \
    -L "$driver_labels" -LE unit -E "$NOT_DAEMON_TESTS" "$@")
  t3=$(stamp)
  echo "sanitize $name: build $((t1 - t0)) s, unit tests $((t2 - t1)) s," \
    "integration and stress against the $name daemon $((t3 - t2)) s"
}

run_address() {
  run_gate address "${LKMFS_ASAN_BUILD_DIR:-"$here/build-ci-asan"}" address \
    unit_programs.txt unit 'integration|stress' "$@"
}

# The unit programs of the `concurrency` label (tests/CMakeLists.txt,
# LKMFS_CONCURRENCY_TESTS): locks, wait queues, deferred work, poll, calls in flight, the
# control server's threads.
run_thread() {
  run_gate thread "${LKMFS_TSAN_BUILD_DIR:-"$here/build-ci-tsan"}" thread \
    concurrency_unit_programs.txt concurrency concurrency "$@"
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
