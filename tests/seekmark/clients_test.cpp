// Item 3 of issue 5: real programs with the shim preloaded. Each client checks its own
// expectations and exits 1 with the failed check on stderr; these tests run them (with a
// deadline: nothing may hang) and show that output when they fail.
#include "process.h"

#include <seekmark.h>

#include <gtest/gtest.h>

#include <cstdio>

namespace seekmark::test {
namespace {

std::string client(const std::string &name) {
    return std::string(SEEKMARK_CLIENT_DIR) + "/seekmark_" + name;
}

Outcome run_client(const std::vector<std::string> &argv, bool with_shim = true,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    Launch launch;
    launch.argv = argv;
    if (with_shim) {
        launch.env = {preload()};
    }
    launch.timeout = timeout;
    return run(launch);
}

#define EXPECT_CLIENT_OK(outcome)                                                                  \
    do {                                                                                           \
        const Outcome &o_ = (outcome);                                                             \
        EXPECT_FALSE(o_.timed_out) << "hung; stderr:\n" << o_.err;                                 \
        EXPECT_EQ(o_.status, 0) << o_.err << o_.out;                                               \
        EXPECT_EQ(o_.out.rfind("ok", 0), 0u) << o_.out;                                            \
    } while (0)

TEST(Clients, CProgram) {
    TempDir dir;
    EXPECT_CLIENT_OK(run_client({client("c_client"), dir.path()}));
}

TEST(Clients, CProgramWithoutTheShimFailsSafely) {
    TempDir dir;
    EXPECT_CLIENT_OK(run_client({client("c_client"), "--no-shim", dir.path()}, false));
}

TEST(Clients, StdioStreams) {
    TempDir dir;
    EXPECT_CLIENT_OK(run_client({client("stdio_client"), dir.path()}));
}

TEST(Clients, CxxIostreams) {
    TempDir dir;
    EXPECT_CLIENT_OK(run_client({client("cxx_client"), dir.path()}));
}

TEST(Clients, MultithreadedHammerOnOneDescription) {
    TempDir dir;
    const Outcome o = run_client({client("hammer_client"), dir.path(), "4", "50000"}, true,
                                 std::chrono::seconds(120));
    EXPECT_CLIENT_OK(o);
    std::printf("%s", o.out.c_str());
}

TEST(Clients, CallsFromSignalHandlers) {
    TempDir dir;
    const Outcome o = run_client({client("signal_client"), dir.path()});
    EXPECT_CLIENT_OK(o);
    std::printf("%s", o.out.c_str());
}

TEST(Clients, DupForkVforkAndExec) {
    TempDir dir;
    EXPECT_CLIENT_OK(run_client({client("fork_exec_client"), dir.path()}));
}

// Python's os.lseek reaches lseek64; os.fork, os.dup and subprocess (vfork + close_range
// in the child) go through the wrappers.
const char *kPython = R"(
import os, subprocess, sys, errno
SEEK_BOOKMARK, SEEK_PUSH, SEEK_POP = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
path = os.path.join(sys.argv[1], "py")
with open(path, "wb") as f:
    f.write(bytes(range(256)) * 4)
fd = os.open(path, os.O_RDONLY)

def fails(whence, err):
    try:
        os.lseek(fd, 0, whence)
    except OSError as e:
        assert e.errno == err, (whence, e)
    else:
        raise AssertionError("no error for whence %d" % whence)

fails(SEEK_BOOKMARK, errno.EINVAL)
assert os.lseek(fd, 100, os.SEEK_SET | SEEK_PUSH) == 100
assert os.read(fd, 4) == bytes([100, 101, 102, 103])
assert os.lseek(fd, 10, SEEK_BOOKMARK) == 10
assert os.lseek(fd, 0, os.SEEK_END | SEEK_PUSH) == 1024
assert os.lseek(fd, 0, SEEK_BOOKMARK | SEEK_PUSH | SEEK_POP) == 10
d = os.dup(fd)
assert os.lseek(d, 0, SEEK_BOOKMARK | SEEK_POP) == 1024
pid = os.fork()
if pid == 0:
    ok = os.lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP) == 0
    os.lseek(fd, 7, os.SEEK_SET | SEEK_PUSH)
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
assert status == 0, status
assert os.lseek(d, 0, SEEK_BOOKMARK) == 0    # pushed by the child
subprocess.run(["true"], check=True)         # a vfork child closes every fd above 2
assert os.lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP) == 0
fails(SEEK_BOOKMARK, errno.EINVAL)
os.close(fd); os.close(d)
fd = os.open(path, os.O_RDONLY)              # the same number, a new description
fails(SEEK_BOOKMARK, errno.EINVAL)
print("ok")
)";

TEST(Clients, PythonOsLseek) {
    TempDir dir;
    EXPECT_CLIENT_OK(
        run_client({"python3", "-c", kPython, dir.path(), std::to_string(SEEK_BOOKMARK),
                    std::to_string(SEEK_PUSH), std::to_string(SEEK_POP)}));
}

} // namespace
} // namespace seekmark::test
