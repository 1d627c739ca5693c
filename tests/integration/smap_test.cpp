// User memory like SMAP, through a real mount (module tests/modules/ksmap): a handler that
// loads or stores the caller's buffer directly (read, write, read_iter, an ioctl's arg)
// instead of through the user-copy functions gets the oops Linux gives a supervisor access
// to user memory with SMAP on ("#PF: supervisor write access in kernel mode",
// "#PF: error_code(0x0003) - permissions violation"); the caller is killed (debug.oops:
// kill) or its call fails with EIO (debug.oops: eio); copies through copy_to_user & co.
// keep working, with their bounds; every other entry and module goes on.
#include "file_io.h"
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <string>

namespace lkmfs::testing {
namespace {

std::string config(const std::string &oops) {
    return test_modules_config("ksmap, kp_ioctl") + "debug:\n  oops: " + oops + "\n";
}

std::string dmesg(const Daemon &d) {
    return d.lkmctl({"dmesg"}).out;
}

// ioctl(2) on an entry from python: KSMAP_PEEK (_IOW) or KSMAP_INC (_IOWR) with `value`.
// Prints the value that came back, or the errno's name.
RunResult ksmap_ioctl(const Daemon &d, const char *cmd, int value) {
    return python(R"PY(
import errno, fcntl, os, struct, sys
def ioc(d, nr): return (d << 30) | (4 << 16) | (ord("s") << 8) | nr
cmd = {"peek": ioc(1, 1), "inc": ioc(3, 2)}[sys.argv[2]]
fd = os.open(sys.argv[1], os.O_RDWR)
buf = bytearray(struct.pack("i", int(sys.argv[3])))
try:
    fcntl.ioctl(fd, cmd, buf, True)
    print(struct.unpack("i", buf)[0])
except OSError as e:
    print(errno.errorcode[e.errno])
)PY",
                  {d.path("ksmap/ioctl"), cmd, std::to_string(value)});
}

// The module's good entries, another module and the core files still work.
void expect_still_serving(const Daemon &d) {
    EXPECT_EQ(run({"cat", d.path("ksmap/ok")}).out, "still here\n");
    EXPECT_EQ(sh("printf hello > " + d.path("ksmap/copy")).status, 0);
    EXPECT_EQ(run({"cat", d.path("ksmap/copy")}).out, "hello");
    EXPECT_EQ(ksmap_ioctl(d, "inc", 41).out, "42\n");
    RunResult get = python(R"PY(
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDWR)
buf = bytearray(4)
fcntl.ioctl(fd, (2 << 30) | (4 << 16) | (ord("k") << 8) | 1, buf, True)
print(struct.unpack("i", buf)[0])
)PY",
                           {d.path("kp_ioctl")});
    EXPECT_EQ(get.out, "7\n") << get.err;
    EXPECT_EQ(run({"cat", d.path("modules")}).status, 0);
}

TEST(SmapOops, ADirectStoreInReadKillsTheReaderWithTheSupervisorAccessReport) {
    Daemon d({.config = config("kill")});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_TRUE(wait_for([&] { return run({"cat", d.path("ksmap/ok")}).status == 0; }));
    RunResult cat = run({"cat", d.path("ksmap/direct_read")});
    EXPECT_EQ(cat.status, 128 + SIGKILL) << cat.err;
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "BUG: unable to handle page fault for address: 00007")) << log;
    EXPECT_TRUE(Contains(log, "#PF: supervisor write access in kernel mode")) << log;
    EXPECT_TRUE(Contains(log, "#PF: error_code(0x0003) - permissions violation")) << log;
    EXPECT_TRUE(Contains(log, "Oops: 0003 [#1] PREEMPT SMP NOPTI")) << log;
    EXPECT_TRUE(Contains(log, "Comm: cat")) << log;
    EXPECT_TRUE(Contains(log, "RIP: 0010:direct_read+0x")) << log;
    EXPECT_TRUE(Contains(log, " [ksmap]")) << log;
    EXPECT_TRUE(Contains(log, "is user memory: byte 0 of the ")) << log;
    EXPECT_TRUE(Contains(log, "the oops ended proc_read of cat[")) << log;
    // D (128) with O (4096) and E (8192): the module is out of tree and unsigned.
    EXPECT_EQ(run({"cat", d.path("sys/kernel/tainted")}).out, "12416\n");
    expect_still_serving(d);
    EXPECT_EQ(d.lkmctl({"rmmod", "ksmap"}).status, 0) << dmesg(d);
    EXPECT_EQ(d.lkmctl({"insmod", BuildTree::test_module("ksmap")}).status, 0);
    EXPECT_EQ(run({"cat", d.path("ksmap/ok")}).out, "still here\n");
}

TEST(SmapOops, WithOopsEioEveryDirectAccessFailsTheCallAndCopiesKeepWorking) {
    Daemon d({.config = config("eio")});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_TRUE(wait_for([&] { return run({"cat", d.path("ksmap/ok")}).status == 0; }));

    RunResult cat = run({"cat", d.path("ksmap/direct_read")});
    EXPECT_EQ(cat.status, 1);
    EXPECT_TRUE(Contains(cat.err, "Input/output error")) << cat.err;
    expect_still_serving(d);

    RunResult echo = sh("echo x > " + d.path("ksmap/direct_write"));
    EXPECT_NE(echo.status, 0);
    EXPECT_TRUE(Contains(echo.err, "I/O error")) << echo.err;
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "#PF: supervisor read access in kernel mode")) << log;
    EXPECT_TRUE(Contains(log, "#PF: error_code(0x0001) - permissions violation")) << log;
    EXPECT_TRUE(Contains(log, "Oops: 0001 [#2]")) << log;
    EXPECT_TRUE(Contains(log, "RIP: 0010:direct_write+0x")) << log;
    EXPECT_FALSE(Contains(log, "ksmap: first byte")) << log;
    expect_still_serving(d);

    IoResult iter = read_at(d.path("ksmap/direct_iter"), 100);
    EXPECT_EQ(iter.ret, -1);
    EXPECT_EQ(iter.err, EIO);
    EXPECT_TRUE(Contains(dmesg(d), "RIP: 0010:direct_iter+0x")) << dmesg(d);
    EXPECT_TRUE(Contains(dmesg(d), "the oops ended proc_read_iter of ")) << dmesg(d);

    RunResult peek = ksmap_ioctl(d, "peek", 5);
    EXPECT_EQ(peek.out, "EIO\n") << peek.err;
    log = dmesg(d);
    // (GCC may move the faulting case to ksmap_ioctl.cold, as in a real kernel build.)
    EXPECT_TRUE(Contains(log, "RIP: 0010:ksmap_ioctl")) << log;
    EXPECT_TRUE(Contains(log, "is user memory: byte 0 of the 4-byte buffer of this proc_ioctl"))
        << log;
    EXPECT_FALSE(Contains(log, "ksmap: peeked")) << log;
    expect_still_serving(d);

    // A copy that runs past the caller's buffer copies what fits and counts the rest.
    IoResult edge = read_at(d.path("ksmap/edge"), 16);
    EXPECT_EQ(edge.ret, -1);
    EXPECT_EQ(edge.err, EFAULT);
    EXPECT_TRUE(Contains(dmesg(d), "ksmap: edge: 4 of 8 bytes not copied")) << dmesg(d);

    EXPECT_EQ(d.lkmctl({"rmmod", "ksmap"}).status, 0) << dmesg(d);
    EXPECT_EQ(d.lkmctl({"rmmod", "kp_ioctl"}).status, 0) << dmesg(d);
}

TEST(SmapOops, LargeReadsThroughCopyToUserArriveWhole) {
    Daemon d({.config = test_modules_config("ksmap")});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_TRUE(wait_for([&] { return run({"cat", d.path("ksmap/ok")}).status == 0; }));
    // 256 MiB of the pattern 'a'..'z' repeated per 4096-byte block, read 64 KiB at a time.
    RunResult dd =
        sh("dd if=" + d.path("ksmap/stream") + " bs=64k status=none | md5sum | cut -d' ' -f1");
    RunResult expected = python(R"PY(
import hashlib
block = bytes(ord("a") + i % 26 for i in range(4096))
h = hashlib.md5()
for _ in range(256 * 256):
    h.update(block)
print(h.hexdigest())
)PY");
    EXPECT_EQ(dd.out, expected.out) << dd.err;
}

} // namespace
} // namespace lkmfs::testing
