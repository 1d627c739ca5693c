// WARN*() and BUG() (<linux/bug.h>, fsd/kernel/bug.cpp): the kernel's report shape in the
// log, the symbolized call trace, the W and D taints, sys/kernel/tainted, WARN_ONCE's
// once, and what becomes of the call that hit BUG().
#include "kernel/exec_context.h"
#include "kernel/oops.h"
#include "kernel/taint.h"
#include "kernel_log_fixture.h"
#include "procfs/file_ops.h"
#include "procfs/proc_tree.h"

#include <gtest/gtest.h>

#include <string>
#include <unistd.h>
#include <vector>

#include <linux/bug.h>
#include <linux/kernel.h>

namespace lkmfs::kernel {
namespace {

// Not inlined, so that they appear in the call trace under their own names.
noinline int warn_here(int value) {
    return WARN(value > 3, "value %d too big\n", value) ? 1 : 0;
}
noinline int warn_caller(int value) {
    int reported = warn_here(value);
    asm volatile("" ::: "memory"); // not a tail call: keeps this frame in the trace at -O2
    return reported;
}
noinline bool warn_once_here(int value) {
    return WARN_ON_ONCE(value != 0);
}
noinline void bug_here(bool really) {
    BUG_ON(really);
}
const std::string kBugHereLine = std::to_string(__LINE__ - 2); // the BUG_ON's line

class BugTest : public KernelLogTest {
  protected:
    BugTest() { reset_taint_for_testing(); }
    ~BugTest() override { reset_taint_for_testing(); }
    std::string read_tainted() {
        auto sys = kernel_.proc().lookup(procfs::ProcTree::kRootIno, "sys");
        EXPECT_NE(sys, nullptr);
        auto kdir = sys ? kernel_.proc().lookup(sys->ino, "kernel") : nullptr;
        auto entry = kdir ? kernel_.proc().lookup(kdir->ino, "tainted") : nullptr;
        EXPECT_NE(entry, nullptr);
        if (entry == nullptr)
            return "";
        procfs::OpenResult r = procfs::open_entry(entry, O_RDONLY);
        EXPECT_EQ(r.err, 0);
        char buf[64];
        ssize_t n = procfs::read_file(*r.file, buf, sizeof buf, 0);
        procfs::release_file(r.file);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
    }

    TaskScope task_{Caller{getpid(), getuid(), getgid()}};
};

TEST_F(BugTest, WarnReturnsTheConditionAndOnlyTrueOnesReport) {
    EXPECT_EQ(warn_caller(1), 0);
    EXPECT_EQ(log_since_start(), "");
    EXPECT_EQ(read_tainted(), "0\n");
    EXPECT_EQ(warn_caller(5), 1);
    std::string log = log_since_start();
    EXPECT_NE(
        log.find("------------[ cut here ]------------\nvalue 5 too big\nWARNING: CPU: 0 PID: " +
                 std::to_string(getpid()) + " at "),
        std::string::npos)
        << log;
    EXPECT_NE(
        log.find("helpers_bug_test.cpp:25 lkmfs::kernel::(anonymous namespace)::warn_here+0x"),
        std::string::npos)
        << log;
    EXPECT_NE(log.find("\nModules linked in:"), std::string::npos) << log;
    EXPECT_NE(log.find("\nCPU: 0 PID: "), std::string::npos) << log;
    EXPECT_NE(log.find("Not tainted"), std::string::npos) << log; // W comes after the report
    EXPECT_NE(log.find("\nRIP: 0010:lkmfs::kernel::(anonymous namespace)::warn_here+0x"),
              std::string::npos)
        << log;
    EXPECT_NE(
        log.find("\nCall Trace:\n <TASK>\n lkmfs::kernel::(anonymous namespace)::warn_caller+0x"),
        std::string::npos)
        << log;
    EXPECT_NE(log.find(" </TASK>\n---[ end trace 0000000000000000 ]---\n"), std::string::npos)
        << log;
    EXPECT_TRUE(test_taint(kTaintWarn));
    EXPECT_EQ(read_tainted(), "512\n");
}

TEST_F(BugTest, WarnOnOnceReportsOnceButReturnsEveryTime) {
    EXPECT_FALSE(warn_once_here(0));
    EXPECT_TRUE(warn_once_here(1));
    EXPECT_TRUE(warn_once_here(2));
    std::string log = log_since_start();
    std::size_t first = log.find("WARNING: CPU: 0");
    ASSERT_NE(first, std::string::npos) << log;
    EXPECT_EQ(log.find("WARNING: CPU: 0", first + 1), std::string::npos) << log;
    EXPECT_NE(log.find("warn_once_here+0x"), std::string::npos) << log;
}

TEST_F(BugTest, BugInsideABoundaryReportsTaintsAndAbandonsTheCall) {
    bool reached_end = false;
    bool returned = run_contained("test call", [&] {
        bug_here(true);
        reached_end = true;
    });
    EXPECT_FALSE(returned);
    EXPECT_FALSE(reached_end);
    EXPECT_FALSE(in_oops_boundary());
    std::string log = log_since_start();
    EXPECT_NE(log.find("kernel BUG at "), std::string::npos) << log;
    EXPECT_NE(log.find("helpers_bug_test.cpp:" + kBugHereLine + "!\ninvalid opcode: 0000 [#"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("RIP: 0010:lkmfs::kernel::(anonymous namespace)::bug_here+0x"),
              std::string::npos)
        << log;
    EXPECT_TRUE(test_taint(kTaintDie));
    EXPECT_EQ(read_tainted(), "128\n");
    bug_here(false); // a false BUG_ON does nothing
}

TEST(BugDeathTest, BugOutsideABoundaryStopsTheProcessAfterItsReport) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            KernelOptions o;
            o.console_loglevel = 8; // the report reaches stderr, where the test can see it
            Kernel kernel(o);
            bug_here(true);
        },
        "kernel BUG at .*helpers_bug_test.cpp:" + kBugHereLine + "!");
}

} // namespace
} // namespace lkmfs::kernel
