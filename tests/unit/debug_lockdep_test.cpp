// Lock-order checking (fsd/kernel/lockdep.cpp): the first acquisition that closes a cycle
// of lock classes is reported as Linux's lockdep reports it, once, whether the locks were
// taken by one thread or several; taking a class twice is "recursive locking" unless
// nested; a module's classes are forgotten when it goes. Also prints (without asserting)
// what a lock+unlock costs with and without the checks.
#include "kernel/atomic_context.h"
#include "kernel/debug_checks.h"
#include "kernel/lockdep.h"
#include "kernel_log_fixture.h"

#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>

#include <chrono>
#include <cstdio>
#include <thread>

namespace lkmfs::kernel {
namespace {

// Whether `head` occurs in `log` and `line` begins one of the three lines after it.
bool followed_by(const std::string &log, const std::string &head, const std::string &line) {
    std::size_t at = log.find(head);
    if (at == std::string::npos)
        return false;
    std::size_t pos = at + head.size();
    for (int i = 0; i < 3 && pos < log.size(); ++i) {
        if (log.compare(pos, line.size(), line) == 0)
            return true;
        pos = log.find('\n', pos);
        if (pos == std::string::npos)
            return false;
        ++pos;
    }
    return false;
}

class DebugLockdepTest : public KernelLogTest {
  protected:
    DebugLockdepTest() { lockdep_reset_for_testing(); }
    ~DebugLockdepTest() override { lockdep_reset_for_testing(); }

    int count(const std::string &needle) {
        std::string log = log_since_start();
        int n = 0;
        for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
            ++n;
        return n;
    }
};

constexpr const char *kCircular = "WARNING: possible circular locking dependency detected";
constexpr const char *kRecursive = "WARNING: possible recursive locking detected";

// One init site: every lock initialised here is of one class ("&lock").
void init_same_class(spinlock_t *lock) {
    spin_lock_init(lock);
}

TEST_F(DebugLockdepTest, OneOrderIsNotReported) {
    spinlock_t a, b;
    spin_lock_init(&a);
    spin_lock_init(&b);
    std::size_t before = lockdep_dependency_count();
    for (int i = 0; i < 3; ++i) {
        spin_lock(&a);
        spin_lock(&b);
        spin_unlock(&b);
        spin_unlock(&a);
    }
    EXPECT_EQ(count(kCircular), 0) << log_since_start();
    EXPECT_EQ(lockdep_dependency_count(), before + 1);
}

TEST_F(DebugLockdepTest, AbBaIsReportedWithBothChainsAndTheScenario) {
    spinlock_t a, b;
    spin_lock_init(&a);
    spin_lock_init(&b);
    spin_lock(&a);
    spin_lock(&b);
    spin_unlock(&b);
    spin_unlock(&a);

    spin_lock(&b);
    spin_lock(&a); // no deadlock happens: nobody else holds a
    spin_unlock(&a);
    spin_unlock(&b);

    std::string log = log_since_start();
    EXPECT_EQ(count(kCircular), 1) << log;
    EXPECT_NE(log.find("======================================================\n" +
                       std::string(kCircular) + "\n6.1.0"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find(" is trying to acquire lock:\n"), std::string::npos) << log;
    EXPECT_NE(log.find(" (&a){+.+.}-{2:2}, at: "), std::string::npos) << log;
    EXPECT_NE(log.find("but task is already holding lock:\n"), std::string::npos) << log;
    EXPECT_NE(log.find(" (&b){+.+.}-{2:2}, at: "), std::string::npos) << log;
    EXPECT_NE(log.find("which lock already depends on the new lock."), std::string::npos);
    // Each chain link names the lock and where it was taken: the test body, possibly
    // below the lock function's own frame (spin_lock+0x..., when it is not a tail call).
    EXPECT_TRUE(followed_by(log,
                            "the existing dependency chain (in reverse order) is:\n\n"
                            "-> #1 (&b){+.+.}-{2:2}:\n",
                            "       lkmfs::kernel::(anonymous namespace)::DebugLockdepTest_AbBa"))
        << log;
    EXPECT_TRUE(followed_by(log, "-> #0 (&a){+.+.}-{2:2}:\n",
                            "       lkmfs::kernel::(anonymous namespace)::DebugLockdepTest_AbBa"))
        << log;
    EXPECT_NE(log.find("other info that might help us debug this:\n\n"
                       " Possible unsafe locking scenario:\n\n"
                       "       CPU0                    CPU1\n"
                       "       ----                    ----\n"
                       "  lock(&b);\n"
                       "                               lock(&a);\n"
                       "                               lock(&b);\n"
                       "  lock(&a);\n\n"
                       " *** DEADLOCK ***\n"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("1 lock held by "), std::string::npos) << log;
    EXPECT_NE(log.find(" #0: "), std::string::npos) << log;
    EXPECT_NE(log.find("stack backtrace:\nCPU: 0 PID: "), std::string::npos) << log;
    EXPECT_TRUE(followed_by(log, "Call Trace:\n <TASK>\n",
                            " lkmfs::kernel::(anonymous namespace)::DebugLockdepTest_AbBa"))
        << log;
    EXPECT_EQ(log.find("Chain exists of:"), std::string::npos) << log;
}

TEST_F(DebugLockdepTest, EachInversionIsReportedOnce) {
    spinlock_t a, b;
    spin_lock_init(&a);
    spin_lock_init(&b);
    for (int i = 0; i < 3; ++i) {
        spin_lock(&a);
        spin_lock(&b);
        spin_unlock(&b);
        spin_unlock(&a);
        spin_lock(&b);
        spin_lock(&a);
        spin_unlock(&a);
        spin_unlock(&b);
    }
    EXPECT_EQ(count(kCircular), 1) << log_since_start();
}

TEST_F(DebugLockdepTest, OrdersTakenOnDifferentThreadsMeet) {
    struct mutex a;
    struct rw_semaphore b;
    mutex_init(&a);
    init_rwsem(&b);
    std::thread([&] {
        mutex_lock(&a);
        down_write(&b);
        up_write(&b);
        mutex_unlock(&a);
    }).join();
    std::thread([&] {
        down_read(&b);
        mutex_lock(&a);
        mutex_unlock(&a);
        up_read(&b);
    }).join();
    std::string log = log_since_start();
    EXPECT_EQ(count(kCircular), 1) << log;
    EXPECT_NE(log.find("-> #1 (&b){+.+.}-{3:3}:\n"), std::string::npos) << log;
    EXPECT_NE(log.find("-> #0 (&a){+.+.}-{3:3}:\n"), std::string::npos) << log;
    EXPECT_NE(log.find(" (&b){.+.+}-{3:3}, at: "), std::string::npos) << log; // held for read
}

TEST_F(DebugLockdepTest, ALongerCycleShowsTheChain) {
    spinlock_t a, b;
    rwlock_t c;
    spin_lock_init(&a);
    spin_lock_init(&b);
    rwlock_init(&c);
    spin_lock(&a);
    spin_lock(&b);
    spin_unlock(&b);
    spin_unlock(&a);
    spin_lock(&b);
    write_lock(&c);
    write_unlock(&c);
    spin_unlock(&b);
    EXPECT_EQ(count(kCircular), 0);
    write_lock(&c);
    spin_lock(&a); // c -> a closes a -> b -> c
    spin_unlock(&a);
    write_unlock(&c);
    std::string log = log_since_start();
    EXPECT_EQ(count(kCircular), 1) << log;
    EXPECT_NE(log.find("-> #2 (&c){+.+.}-{2:2}:"), std::string::npos) << log;
    EXPECT_NE(log.find("-> #1 (&b){+.+.}-{2:2}:"), std::string::npos) << log;
    EXPECT_NE(log.find("-> #0 (&a){+.+.}-{2:2}:"), std::string::npos) << log;
    EXPECT_NE(log.find("Chain exists of:\n  &a --> &b --> &c\n"), std::string::npos) << log;
    EXPECT_NE(log.find("  lock(&c);\n                               lock(&b);\n"
                       "                               lock(&c);\n  lock(&a);\n"),
              std::string::npos)
        << log;
}

TEST_F(DebugLockdepTest, TakingAClassTwiceIsRecursiveLocking) {
    spinlock_t first, second;
    init_same_class(&first);
    init_same_class(&second);
    spin_lock(&first);
    spin_lock(&second);
    spin_unlock(&second);
    spin_unlock(&first);
    std::string log = log_since_start();
    EXPECT_EQ(count(kRecursive), 1) << log;
    EXPECT_NE(log.find("============================================\n" + std::string(kRecursive)),
              std::string::npos)
        << log;
    EXPECT_NE(log.find(" Possible unsafe locking scenario:\n\n       CPU0\n       ----\n"
                       "  lock(lock);\n  lock(lock);\n\n *** DEADLOCK ***\n\n"
                       " May be due to missing lock nesting notation\n"),
              std::string::npos)
        << log;
    EXPECT_EQ(count(kCircular), 0) << log;
}

TEST_F(DebugLockdepTest, NestedLockingOfOneClassIsAllowed) {
    spinlock_t parent, child;
    init_same_class(&parent);
    init_same_class(&child);
    std::size_t before = lockdep_dependency_count();
    spin_lock(&parent);
    spin_lock_nested(&child, SINGLE_DEPTH_NESTING);
    spin_unlock(&child);
    spin_unlock(&parent);
    EXPECT_EQ(count(kRecursive), 0) << log_since_start();
    EXPECT_EQ(lockdep_dependency_count(), before + 1); // lock -> lock/1
}

TEST_F(DebugLockdepTest, RwlockReadersMayNest) {
    DEFINE_RWLOCK(lock);
    read_lock(&lock);
    read_lock(&lock);
    read_unlock(&lock);
    read_unlock(&lock);
    EXPECT_EQ(count(kRecursive), 0) << log_since_start();
}

TEST_F(DebugLockdepTest, TrylocksAddNoDependencyOnThemselves) {
    spinlock_t a, b;
    spin_lock_init(&a);
    spin_lock_init(&b);
    spin_lock(&a);
    ASSERT_TRUE(spin_trylock(&b));
    spin_unlock(&b);
    spin_unlock(&a);
    spin_lock(&b);
    spin_lock(&a);
    spin_unlock(&a);
    spin_unlock(&b);
    EXPECT_EQ(count(kCircular), 0) << log_since_start(); // a trylock cannot deadlock
}

TEST_F(DebugLockdepTest, ForgottenClassesLoseTheirDependencies) {
    // Keys in one array, as a module's keys lie in its image.
    static lock_class_key keys[2];
    spinlock_t a, b;
    __raw_spin_lock_init(&a, "a", &keys[0]);
    __raw_spin_lock_init(&b, "b", &keys[1]);
    // (The kernel's own threads may record dependencies meanwhile: count relatively.)
    std::size_t before = lockdep_dependency_count();
    spin_lock(&a);
    spin_lock(&b);
    spin_unlock(&b);
    spin_unlock(&a);
    ASSERT_EQ(lockdep_dependency_count(), before + 1);
    lockdep_forget_range(reinterpret_cast<std::uintptr_t>(keys), sizeof keys);
    EXPECT_EQ(lockdep_dependency_count(), before);
    spin_lock(&b); // a new module's order: nothing to invert
    spin_lock(&a);
    spin_unlock(&a);
    spin_unlock(&b);
    EXPECT_EQ(count(kCircular), 0) << log_since_start();
}

TEST_F(DebugLockdepTest, SwitchedOffNothingIsChecked) {
    set_debug_checks({false, true, true});
    std::size_t before = lockdep_dependency_count();
    spinlock_t a, b;
    spin_lock_init(&a);
    spin_lock_init(&b);
    spin_lock(&a);
    spin_lock(&b);
    spin_unlock(&b);
    spin_unlock(&a);
    spin_lock(&b);
    spin_lock(&a);
    spin_unlock(&a);
    spin_unlock(&b);
    EXPECT_EQ(count(kCircular), 0);
    EXPECT_EQ(lockdep_dependency_count(), before);
}

// Not a check: the numbers for the report (nothing asserted on timing).
TEST_F(DebugLockdepTest, CostOfLockAndUnlock) {
    spinlock_t outer, inner;
    spin_lock_init(&outer);
    spin_lock_init(&inner);
    struct mutex m;
    mutex_init(&m);
    constexpr int kRounds = 200000;
    auto ns_per_round = [&](auto &&body) {
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < kRounds; ++i)
            body();
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
        return static_cast<double>(ns) / kRounds;
    };
    auto single = [&] {
        spin_lock(&inner);
        spin_unlock(&inner);
    };
    auto nested = [&] {
        spin_lock(&outer);
        spin_lock(&inner);
        spin_unlock(&inner);
        spin_unlock(&outer);
    };
    auto mutex_round = [&] {
        mutex_lock(&m);
        mutex_unlock(&m);
    };
    for (bool on : {false, true}) {
        set_debug_checks({on, on, on});
        ns_per_round(nested); // warm up: the dependency is recorded once
        std::printf("[ cost ] checks %-3s: spin_lock+unlock %.1f ns, nested pair %.1f ns, "
                    "mutex_lock+unlock %.1f ns\n",
                    on ? "on" : "off", ns_per_round(single), ns_per_round(nested),
                    ns_per_round(mutex_round));
    }
    SUCCEED();
}

} // namespace
} // namespace lkmfs::kernel
