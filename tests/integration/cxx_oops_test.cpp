// C++ bugs contained like oopses, through a real mount (module tests/modules/kthrow): an
// exception that escapes a handler (a std::exception or any other type), one thrown through
// a noexcept function (std::terminate, then abort) and a direct abort() each end the call
// with a "kernel BUG" report naming the module function, the D taint, and the caller killed
// (debug.oops: kill) or failed with EIO (debug.oops: eio); exceptions the module catches
// itself are no bug. The module, the daemon and everything else go on.
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>

namespace lkmfs::testing {
namespace {

std::string config(const std::string &oops) {
    return test_modules_config("kthrow") + "debug:\n  oops: " + oops + "\n";
}

std::string dmesg(const Daemon &d) {
    return d.lkmctl({"dmesg"}).out;
}

TEST(CxxOops, AnEscapingExceptionKillsTheReaderAndNamesTheThrower) {
    Daemon d({.config = config("kill")});
    ASSERT_TRUE(d.started()) << d.output();
    EXPECT_EQ(run({"cat", d.path("kthrow/caught")}).out, "caught\n");
    EXPECT_FALSE(Contains(dmesg(d), "kernel BUG"));

    RunResult cat = run({"cat", d.path("kthrow/at")});
    EXPECT_EQ(cat.status, 128 + SIGKILL) << cat.err;
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "kernel BUG: C++ exception std::out_of_range escaped from module "
                              "code: vector::_M_range_check: __n (which is 7) >= this->size() "
                              "(which is 3)"))
        << log;
    EXPECT_TRUE(Contains(log, "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI")) << log;
    // The thrower is the module function that called vector::at(), not the runtime.
    EXPECT_TRUE(Contains(log, "RIP: 0010:element+0x")) << log;
    EXPECT_TRUE(Contains(log, " at_read+0x")) << log;
    EXPECT_TRUE(Contains(log, "the oops ended proc_read of cat[")) << log;
    EXPECT_EQ(run({"cat", d.path("sys/kernel/tainted")}).out, "12416\n"); // D + O + E
    EXPECT_EQ(run({"cat", d.path("kthrow/ok")}).out, "still here\n");
    EXPECT_EQ(d.lkmctl({"rmmod", "kthrow"}).status, 0);
}

TEST(CxxOops, WithOopsEioEveryKindFailsTheCallAndTheModuleGoesOn) {
    Daemon d({.config = config("eio")});
    ASSERT_TRUE(d.started()) << d.output();
    struct Case {
        const char *entry;
        const char *report;
        const char *rip;
    } cases[] = {
        {"custom", "kernel BUG: C++ exception not_an_exception escaped from module code\n",
         "RIP: 0010:custom_read+0x"},
        {"noexcept", "kernel BUG: abort() called in module code", "RIP: 0010:element+0x"},
        {"abort", "kernel BUG: abort() called in module code", "RIP: 0010:abort_read+0x"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.entry);
        RunResult cat = run({"cat", d.path(std::string("kthrow/") + c.entry)});
        EXPECT_EQ(cat.status, 1);
        EXPECT_TRUE(Contains(cat.err, "Input/output error")) << cat.err;
        std::string log = dmesg(d);
        EXPECT_TRUE(Contains(log, c.report)) << log;
        EXPECT_TRUE(Contains(log, c.rip)) << log;
        EXPECT_EQ(run({"cat", d.path("kthrow/ok")}).out, "still here\n");
        EXPECT_EQ(run({"cat", d.path("modules")}).status, 0);
    }
    // The noexcept case: the call chain still holds the function that broke its promise.
    EXPECT_TRUE(Contains(dmesg(d), " must_not_throw+0x")) << dmesg(d);
    EXPECT_EQ(d.lkmctl({"rmmod", "kthrow"}).status, 0);
    EXPECT_EQ(d.stop(), 0) << d.output();
}

TEST(CxxOops, AnExceptionFromInitFailsTheLoadAndLeavesNothing) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult ins = d.lkmctl({"insmod", BuildTree::test_module("kthrow"), "throw_in_init=1"});
    EXPECT_EQ(ins.status, 1);
    EXPECT_TRUE(Contains(ins.err, "could not insert module")) << ins.err;
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "kernel BUG: C++ exception std::logic_error escaped from module "
                              "code: init gave up"))
        << log;
    EXPECT_TRUE(Contains(log, "RIP: 0010:kthrow_init+0x")) << log;
    EXPECT_EQ(run({"cat", d.path("modules")}).out, "");
    EXPECT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kthrow")}).status, 0);
    EXPECT_EQ(run({"cat", d.path("kthrow/ok")}).out, "still here\n");
}

} // namespace
} // namespace lkmfs::testing
