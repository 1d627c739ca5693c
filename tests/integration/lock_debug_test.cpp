// The lock and sleep debug checks through a real mount (module tests/modules/klockdep):
// an AB-BA inversion made by two separate reads is reported once with both chains, as
// Linux's lockdep does, though no deadlock happened; kmalloc(GFP_KERNEL) under a spin lock
// and mutex_lock with interrupts disabled are "sleeping function called from invalid
// context"; unlocking a spin lock nobody holds, a mutex released by a work item and a
// spinlock recursion (which ends the reader's call) are reported; every time the daemon
// goes on serving. A module's lock classes go with it at rmmod; the config switches the
// checks off.
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <thread>

namespace lkmfs::testing {
namespace {

using namespace std::chrono_literals;

std::string dmesg(const Daemon &d) {
    return d.lkmctl({"dmesg"}).out;
}

int occurrences(const std::string &text, const std::string &needle) {
    int n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

std::string cat(const Daemon &d, const std::string &entry) {
    return run({"cat", d.path("klockdep/" + entry)}).out;
}

void expect_still_serving(const Daemon &d) {
    EXPECT_EQ(cat(d, "ok"), "still here\n");
    EXPECT_EQ(run({"cat", d.path("modules")}).status, 0);
}

constexpr const char *kCircular = "WARNING: possible circular locking dependency detected";
constexpr const char *kMightSleep = "BUG: sleeping function called from invalid context at ";

TEST(LockDebug, AnAbBaInversionFromTwoReadsIsReportedOnceWithBothChains) {
    Daemon d({.config = test_modules_config("klockdep")});
    ASSERT_TRUE(d.started()) << d.output();
    EXPECT_EQ(cat(d, "ab"), "ab\n");
    EXPECT_EQ(occurrences(dmesg(d), kCircular), 0);
    EXPECT_EQ(cat(d, "ba"), "ba\n"); // no deadlock: the reads did not race
    std::string log = dmesg(d);
    EXPECT_EQ(occurrences(log, kCircular), 1) << log;
    EXPECT_TRUE(Contains(log, "cat/")) << log;
    EXPECT_TRUE(Contains(log, " is trying to acquire lock:")) << log;
    EXPECT_TRUE(Contains(log, " (lock_a){+.+.}-{2:2}, at: ba_read+0x")) << log;
    EXPECT_TRUE(Contains(log, "but task is already holding lock:")) << log;
    EXPECT_TRUE(Contains(log, " (lock_b){+.+.}-{2:2}, at: ba_read+0x")) << log;
    EXPECT_TRUE(Contains(log, "-> #1 (lock_b){+.+.}-{2:2}:")) << log;
    EXPECT_TRUE(Contains(log, "]        ab_read+0x")) << log;
    EXPECT_TRUE(Contains(log, "-> #0 (lock_a){+.+.}-{2:2}:")) << log;
    EXPECT_TRUE(Contains(log, "]        ba_read+0x")) << log;
    EXPECT_TRUE(Contains(log, " [klockdep]")) << log;
    EXPECT_TRUE(Contains(log, "]  Possible unsafe locking scenario:")) << log;
    EXPECT_TRUE(Contains(log, "]   lock(lock_b);")) << log;
    EXPECT_TRUE(Contains(log, "]                                lock(lock_a);")) << log;
    EXPECT_TRUE(Contains(log, "]   lock(lock_a);")) << log;
    EXPECT_TRUE(Contains(log, " *** DEADLOCK ***")) << log;
    EXPECT_TRUE(Contains(log, "1 lock held by cat/")) << log;
    EXPECT_TRUE(Contains(log, "stack backtrace:")) << log;
    EXPECT_TRUE(Contains(log, "Comm: cat")) << log;
    // Once: the same inversion again is not reported again.
    EXPECT_EQ(cat(d, "ab"), "ab\n");
    EXPECT_EQ(cat(d, "ba"), "ba\n");
    EXPECT_EQ(occurrences(dmesg(d), kCircular), 1);
    expect_still_serving(d);

    // The module's classes go with it: loaded again, the same inversion is new.
    ASSERT_EQ(d.lkmctl({"rmmod", "klockdep"}).status, 0);
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("klockdep")}).status, 0);
    EXPECT_EQ(cat(d, "ab"), "ab\n");
    EXPECT_EQ(cat(d, "ba"), "ba\n");
    EXPECT_EQ(occurrences(dmesg(d), kCircular), 2) << dmesg(d);
}

TEST(LockDebug, SleepingUnderASpinLockIsReported) {
    Daemon d({.config = test_modules_config("klockdep")});
    ASSERT_TRUE(d.started()) << d.output();
    EXPECT_EQ(cat(d, "alloc"), "alloc\n");
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, std::string(kMightSleep) + "fsd/kernel/slab.cpp:")) << log;
    EXPECT_TRUE(Contains(log, "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: ")) << log;
    EXPECT_TRUE(Contains(log, ", name: cat")) << log;
    EXPECT_TRUE(Contains(log, "preempt_count: 1, expected: 0")) << log;
    EXPECT_TRUE(Contains(log, "1 lock held by cat/")) << log;
    EXPECT_TRUE(Contains(log, " (alloc_lock){+.+.}-{2:2}, at: alloc_read+0x")) << log;
    EXPECT_TRUE(Contains(log, "Preemption disabled at:")) << log;
    EXPECT_TRUE(Contains(log, "] [<")) << log;
    EXPECT_TRUE(Contains(log, " kmalloc+0x")) << log;
    EXPECT_TRUE(Contains(log, " alloc_read+0x")) << log;
    // W joins O and E in the taint mask (512 + 4096 + 8192).
    EXPECT_EQ(run({"cat", d.path("sys/kernel/tainted")}).out, "12800\n");
    expect_still_serving(d);

    std::this_thread::sleep_for(1100ms); // Linux's rate limit: one report a second
    EXPECT_EQ(cat(d, "mutex"), "mutex\n");
    log = dmesg(d);
    EXPECT_TRUE(Contains(log, std::string(kMightSleep) + "fsd/kernel/mutex.cpp:")) << log;
    EXPECT_TRUE(Contains(log, "in_atomic(): 1, irqs_disabled(): 1, non_block: 0")) << log;
    EXPECT_TRUE(Contains(log, " mutex_read+0x")) << log;
    expect_still_serving(d);
}

TEST(LockDebug, UnlockMistakesAreReported) {
    Daemon d({.config = test_modules_config("klockdep")});
    ASSERT_TRUE(d.started()) << d.output();
    EXPECT_EQ(cat(d, "unlock"), "unlock\n");
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "BUG: spinlock already unlocked on CPU#0, cat/")) << log;
    EXPECT_TRUE(Contains(log, " lock: 0x")) << log;
    EXPECT_TRUE(Contains(log, ".magic: dead4ead, .owner: <none>/-1, .owner_cpu: -1")) << log;
    EXPECT_TRUE(Contains(log, " unlock_read+0x")) << log;

    EXPECT_EQ(cat(d, "handoff"), "handoff\n");
    log = dmesg(d);
    EXPECT_TRUE(Contains(log, "DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)")) << log;
    EXPECT_TRUE(Contains(log, "WARNING: CPU: 0 PID: ")) << log;
    EXPECT_TRUE(Contains(log, " at fsd/kernel/mutex.cpp:")) << log;
    EXPECT_TRUE(Contains(log, "Comm: kworker/")) << log; // the work item released it
    // The mutex was released all the same: the entry works again.
    EXPECT_EQ(cat(d, "handoff"), "handoff\n");
    expect_still_serving(d);
}

TEST(LockDebug, SpinlockRecursionEndsTheCallAndTheDaemonGoesOn) {
    Daemon d({.config = test_modules_config("klockdep")});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = run({"cat", d.path("klockdep/recursion")});
    EXPECT_EQ(r.status, 128 + SIGKILL) << r.err; // debug.oops: kill, as after an oops
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "WARNING: possible recursive locking detected")) << log;
    EXPECT_TRUE(Contains(log, "BUG: spinlock recursion on CPU#0, cat/")) << log;
    EXPECT_TRUE(Contains(log, " lock: 0x")) << log;
    EXPECT_TRUE(Contains(log, "lkmfs: spinlock recursion would spin for ever: ending the call "
                              "of cat["))
        << log;
    expect_still_serving(d);
    EXPECT_EQ(cat(d, "ab"), "ab\n");
    EXPECT_EQ(d.lkmctl({"rmmod", "klockdep"}).status, 0);
}

TEST(LockDebug, SwitchedOffInTheConfigNothingIsReported) {
    Daemon d({.config = test_modules_config("klockdep") +
                        "debug:\n  lockdep: false\n  might_sleep: false\n  lock_misuse: false\n"});
    ASSERT_TRUE(d.started()) << d.output();
    EXPECT_EQ(cat(d, "ab"), "ab\n");
    EXPECT_EQ(cat(d, "ba"), "ba\n");
    EXPECT_EQ(cat(d, "alloc"), "alloc\n");
    EXPECT_EQ(cat(d, "unlock"), "unlock\n");
    std::string log = dmesg(d);
    EXPECT_FALSE(Contains(log, kCircular)) << log;
    EXPECT_FALSE(Contains(log, "BUG:")) << log;
    expect_still_serving(d);
}

} // namespace
} // namespace lkmfs::testing
