// Oops containment through a real mount (module tests/modules/kcrash): a handler that
// dereferences NULL or a wild pointer, divides by zero, hits BUG() or overflows its stack
// ends the call with the kernel's report in kmsg and the D taint; the calling process is
// killed (debug.oops: kill, the default) or its call fails with EIO (debug.oops: eio); the
// daemon, the module's other entries and every other module go on, and rmmod works. Faults
// in init, exit, a timer callback and a work item are contained too.
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <thread>

namespace lkmfs::testing {
namespace {

using namespace std::chrono_literals;

std::string config(const std::string &oops) {
    return test_modules_config("kcrash") + "debug:\n  oops: " + oops + "\n";
}

std::string dmesg(const Daemon &d) {
    return d.lkmctl({"dmesg"}).out;
}

// The daemon still serves: its core files, another module, the faulty module's good entry.
void expect_still_serving(const Daemon &d) {
    EXPECT_EQ(run({"cat", d.path("kcrash/ok")}).out, "still here\n");
    EXPECT_EQ(run({"cat", d.path("modules")}).status, 0);
    EXPECT_EQ(d.lkmctl({"lsmod"}).status, 0);
}

TEST(Oops, ANullDereferenceInReadKillsTheReaderAndReportsLikeTheKernel) {
    Daemon d({.config = config("kill")});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult cat = run({"cat", d.path("kcrash/null_read")});
    EXPECT_EQ(cat.status, 128 + SIGKILL) << cat.err;
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "BUG: kernel NULL pointer dereference, address: 0000000000000000"))
        << log;
    EXPECT_TRUE(Contains(log, "#PF: supervisor read access in kernel mode")) << log;
    EXPECT_TRUE(Contains(log, "Oops: 0000 [#1] PREEMPT SMP NOPTI")) << log;
    EXPECT_TRUE(Contains(log, "Comm: cat")) << log;
    EXPECT_TRUE(Contains(log, "RIP: 0010:null_read+0x")) << log;
    EXPECT_TRUE(Contains(log, " [kcrash]")) << log;
    EXPECT_TRUE(Contains(log, "Modules linked in: kcrash(OE)")) << log;
    EXPECT_TRUE(Contains(log, "---[ end trace 0000000000000000 ]---")) << log;
    // D (128) joins O (4096) and E (8192) in the global mask; the module line keeps only
    // module taints, as in Linux.
    EXPECT_EQ(run({"cat", d.path("sys/kernel/tainted")}).out, "12416\n");
    EXPECT_TRUE(Contains(run({"cat", d.path("modules")}).out, "kcrash 16384 0 - Live")) << "";
    expect_still_serving(d);
    EXPECT_EQ(d.lkmctl({"rmmod", "kcrash"}).status, 0);
    EXPECT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kcrash")}).status, 0);
}

TEST(Oops, WithOopsEioTheCallFailsInsteadAndEveryKindOfFaultIsContained) {
    Daemon d({.config = config("eio")});
    ASSERT_TRUE(d.started()) << d.output();
    struct Case {
        const char *entry;
        const char *report;
    } cases[] = {
        {"null_read", "BUG: kernel NULL pointer dereference"},
        {"wild", "BUG: unable to handle page fault for address: 000000000dead000"},
        {"divide", "divide error: 0000"},
        {"bug", "kernel BUG at "},
        {"overflow", "BUG: unable to handle page fault for address:"},
        {"locked", "exited with preempt_count 1"},
    };
    for (const Case &c : cases) {
        RunResult cat = run({"cat", d.path(std::string("kcrash/") + c.entry)});
        EXPECT_EQ(cat.status, 1) << c.entry;
        EXPECT_TRUE(Contains(cat.err, "Input/output error")) << c.entry << ": " << cat.err;
        EXPECT_TRUE(Contains(dmesg(d), c.report)) << c.entry << "\n" << dmesg(d);
        expect_still_serving(d);
    }
    RunResult echo = sh("echo x > " + d.path("kcrash/null_write"));
    EXPECT_NE(echo.status, 0);
    EXPECT_TRUE(Contains(dmesg(d), "#PF: supervisor write access in kernel mode"));
    EXPECT_EQ(d.lkmctl({"rmmod", "kcrash"}).status, 0) << dmesg(d);
}

TEST(Oops, FaultsInATimerCallbackAndAWorkItemAreContained) {
    Daemon d({.config = config("kill")});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(sh("echo go > " + d.path("kcrash/timer")).status, 0);
    ASSERT_EQ(sh("echo go > " + d.path("kcrash/work")).status, 0);
    std::string log;
    for (int i = 0; i < 100; ++i) {
        log = dmesg(d);
        if (Contains(log, "RIP: 0010:crash_timer_fn+0x") &&
            Contains(log, "RIP: 0010:crash_work_fn+0x"))
            break;
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(Contains(log, "RIP: 0010:crash_timer_fn+0x")) << log;
    EXPECT_TRUE(Contains(log, "the oops ended timer callback of ksoftirqd/0")) << log;
    EXPECT_TRUE(Contains(log, "RIP: 0010:crash_work_fn+0x")) << log;
    EXPECT_TRUE(Contains(log, "the oops ended work item of kworker/")) << log;
    expect_still_serving(d);
    // Timers and work go on for everyone else.
    ASSERT_EQ(sh("echo go > " + d.path("kcrash/timer")).status, 0);
    EXPECT_EQ(d.lkmctl({"rmmod", "kcrash"}).status, 0);
    EXPECT_EQ(d.stop(), 0) << d.output();
}

TEST(Oops, AFaultInInitFailsTheLoadAndOneInExitStillUnloads) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult ins = d.lkmctl({"insmod", BuildTree::test_module("kcrash"), "crash_in_init=1"});
    EXPECT_NE(ins.status, 0);
    EXPECT_TRUE(Contains(ins.err, "could not insert module")) << ins.err;
    EXPECT_TRUE(Contains(dmesg(d), "RIP: 0010:kcrash_init+0x")) << dmesg(d);
    EXPECT_EQ(run({"cat", d.path("modules")}).out, "");

    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kcrash"), "crash_in_exit=1"}).status, 0);
    RunResult rm = d.lkmctl({"rmmod", "kcrash"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    EXPECT_TRUE(Contains(dmesg(d), "RIP: 0010:kcrash_exit+0x")) << dmesg(d);
    EXPECT_EQ(run({"cat", d.path("modules")}).out, "");
    EXPECT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kcrash")}).status, 0);
}

} // namespace
} // namespace lkmfs::testing
