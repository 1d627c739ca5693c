// Lock misuse (fsd/kernel/spinlock.cpp, mutex.cpp), as CONFIG_DEBUG_SPINLOCK and
// CONFIG_DEBUG_MUTEXES report it: unlocking a spin lock that is not held or that another
// thread holds, taking a spin lock the thread holds (the call then ends as after an oops
// instead of spinning for ever), and a mutex unlocked by a thread that does not hold it.
#include "kernel/atomic_context.h"
#include "kernel/debug_checks.h"
#include "kernel/lockdep.h"
#include "kernel/oops.h"
#include "kernel_log_fixture.h"

#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>

#include <thread>

namespace lkmfs::kernel {
namespace {

class DebugLockMisuseTest : public KernelLogTest {
  protected:
    DebugLockMisuseTest() { lockdep_reset_for_testing(); }
    ~DebugLockMisuseTest() override { lockdep_reset_for_testing(); }
};

TEST_F(DebugLockMisuseTest, UnlockingAnUnlockedSpinlock) {
    DEFINE_SPINLOCK(lock);
    int before = preempt_count();
    spin_unlock(&lock);
    std::string log = log_since_start();
    EXPECT_NE(log.find("BUG: spinlock already unlocked on CPU#0, "), std::string::npos) << log;
    EXPECT_NE(log.find(", .magic: dead4ead, .owner: <none>/-1, .owner_cpu: -1\n"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("Call Trace:\n <TASK>\n spin_unlock+"), std::string::npos) << log;
    EXPECT_EQ(preempt_count(), before); // the bogus unlock does not unbalance this thread
}

TEST_F(DebugLockMisuseTest, UnlockingAnotherThreadsSpinlock) {
    DEFINE_SPINLOCK(lock);
    std::thread([&] { spin_lock(&lock); }).join(); // taken, never released there
    spin_unlock(&lock);
    std::string log = log_since_start();
    EXPECT_NE(log.find("BUG: spinlock wrong owner on CPU#0, "), std::string::npos) << log;
    EXPECT_NE(log.find(".owner_cpu: 0\n"), std::string::npos) << log;
    EXPECT_EQ(spin_is_locked(&lock), 0); // released, as Linux does after the report
}

TEST_F(DebugLockMisuseTest, SpinlockRecursionEndsTheCall) {
    DEFINE_SPINLOCK(lock);
    bool finished = false;
    bool returned = run_contained("test read", [&] {
        spin_lock(&lock);
        spin_lock(&lock); // would spin for ever
        finished = true;
    });
    EXPECT_FALSE(returned);
    EXPECT_FALSE(finished);
    std::string log = log_since_start();
    EXPECT_NE(log.find("WARNING: possible recursive locking detected"), std::string::npos) << log;
    EXPECT_NE(log.find("BUG: spinlock recursion on CPU#0, "), std::string::npos) << log;
    EXPECT_NE(log.find("lkmfs: spinlock recursion would spin for ever: ending the call of "),
              std::string::npos)
        << log;
    EXPECT_EQ(preempt_count(), 0); // the boundary restored this thread's context
    EXPECT_TRUE(held_locks().empty());
}

TEST_F(DebugLockMisuseTest, RwlockWriterRecursionEndsTheCall) {
    DEFINE_RWLOCK(lock);
    EXPECT_FALSE(run_contained("test read", [&] {
        write_lock(&lock);
        write_lock(&lock);
    }));
    EXPECT_NE(log_since_start().find("BUG: rwlock recursion on CPU#0, "), std::string::npos)
        << log_since_start();
}

TEST_F(DebugLockMisuseTest, MutexUnlockedByAnotherThread) {
    DEFINE_MUTEX(m);
    mutex_lock(&m);
    std::thread([&] { mutex_unlock(&m); }).join();
    std::string log = log_since_start();
    EXPECT_NE(log.find("------------[ cut here ]------------\n"
                       "DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)\n"
                       "WARNING: CPU: 0 PID: "),
              std::string::npos)
        << log;
    EXPECT_NE(log.find(" at fsd/kernel/mutex.cpp:"), std::string::npos) << log;
    EXPECT_TRUE(mutex_trylock(&m)); // the unlock went through
    mutex_unlock(&m);
    EXPECT_TRUE(held_locks().empty()); // the owner no longer lists it
}

TEST_F(DebugLockMisuseTest, UnlockingAnUnlockedMutexWarnsAndKeepsItUsable) {
    DEFINE_MUTEX(m);
    mutex_unlock(&m);
    EXPECT_NE(log_since_start().find("DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)"),
              std::string::npos)
        << log_since_start();
    EXPECT_FALSE(mutex_is_locked(&m));
    EXPECT_TRUE(mutex_trylock(&m));
    mutex_unlock(&m);
    EXPECT_FALSE(mutex_is_locked(&m));
}

TEST_F(DebugLockMisuseTest, MutexSelfDeadlockEndsTheCall) {
    DEFINE_MUTEX(m);
    EXPECT_FALSE(run_contained("test read", [&] {
        mutex_lock(&m);
        mutex_lock(&m); // would sleep for ever
    }));
    std::string log = log_since_start();
    EXPECT_NE(log.find("WARNING: possible recursive locking detected"), std::string::npos) << log;
    EXPECT_NE(log.find("takes mutex m it holds and would sleep for ever"), std::string::npos)
        << log;
}

TEST_F(DebugLockMisuseTest, SwitchedOffNothingIsReported) {
    set_debug_checks({false, false, false});
    DEFINE_SPINLOCK(lock);
    spin_lock(&lock);
    spin_unlock(&lock);
    preempt_count_add(1); // what a (wrong) unlock without the check takes off
    spin_unlock(&lock);
    EXPECT_EQ(log_since_start().find("BUG:"), std::string::npos) << log_since_start();
}

} // namespace
} // namespace lkmfs::kernel
