// Mutexes, semaphores and rw_semaphores (fsd/kernel/{mutex,semaphore,rwsem}.cpp): they
// exclude, a waiter sleeps (uses no CPU) until released, the counts hold, and the
// interruptible forms return -EINTR when the task is signalled.
#include "kernel/atomic_context.h"
#include "sync_test_support.h"

#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/semaphore.h>

namespace lkmfs::kernel::sync_test {
namespace {

constexpr int kThreads = 8;
constexpr int kPerThread = 10000;

TEST(SyncMutexTest, MutexExcludes) {
    DEFINE_MUTEX(lock);
    long counter = 0;
    run_threads(kThreads, [&](int) {
        for (int n = 0; n < kPerThread; ++n) {
            mutex_lock(&lock);
            racy_increment(&counter);
            mutex_unlock(&lock);
        }
    });
    EXPECT_EQ(counter, kThreads * kPerThread);
    EXPECT_FALSE(mutex_is_locked(&lock));
}

TEST(SyncMutexTest, AWaiterSleepsUntilUnlocked) {
    struct mutex lock;
    mutex_init(&lock);
    mutex_lock(&lock);
    EXPECT_TRUE(mutex_is_locked(&lock));
    EXPECT_TRUE(lockdep_is_held(&lock));
    EXPECT_FALSE(in_atomic_context()) << "a mutex does not disable preemption";
    std::atomic<bool> got{false};
    std::chrono::microseconds cpu{};
    std::thread waiter([&] {
        auto start = thread_cpu_time();
        mutex_lock(&lock);
        cpu = thread_cpu_time() - start;
        got.store(true);
        mutex_unlock(&lock);
    });
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(got.load());
    mutex_unlock(&lock);
    waiter.join();
    EXPECT_TRUE(got.load());
    EXPECT_LT(cpu, 100ms) << "the waiter must sleep, not spin";
}

TEST(SyncMutexTest, TrylockFailsWhileHeld) {
    DEFINE_MUTEX(lock);
    EXPECT_EQ(mutex_trylock(&lock), 1);
    int got = -1;
    std::thread([&] { got = mutex_trylock(&lock); }).join();
    EXPECT_EQ(got, 0);
    mutex_unlock(&lock);
    EXPECT_FALSE(mutex_is_locked(&lock));
}

class SyncSignalTest : public ::testing::Test {
  protected:
    Kernel kernel_{quiet_kernel()};
};

TEST_F(SyncSignalTest, MutexLockInterruptibleReturnsEintrWhenSignalled) {
    DEFINE_MUTEX(lock);
    mutex_lock(&lock);
    auto r = interrupt_after<int>(200ms, [&] { return mutex_lock_interruptible(&lock); });
    EXPECT_EQ(r.result, -EINTR);
    EXPECT_LT(r.after_signal, 100ms);
    mutex_unlock(&lock);
    // The mutex still works, for waiters that were not interrupted too.
    EXPECT_EQ(mutex_trylock(&lock), 1);
    mutex_unlock(&lock);
}

TEST_F(SyncSignalTest, AnInterruptedWaiterDoesNotSwallowTheWakeupOfOthers) {
    DEFINE_MUTEX(lock);
    mutex_lock(&lock);
    std::atomic<bool> other_got{false};
    std::thread other([&] {
        mutex_lock(&lock);
        other_got.store(true);
        mutex_unlock(&lock);
    });
    auto r = interrupt_after<int>(200ms, [&] { return mutex_lock_interruptible(&lock); });
    EXPECT_EQ(r.result, -EINTR);
    mutex_unlock(&lock);
    auto until = Clock::now() + 5s;
    while (!other_got.load() && Clock::now() < until)
        std::this_thread::sleep_for(1ms);
    EXPECT_TRUE(other_got.load());
    other.join();
}

TEST_F(SyncSignalTest, ShutdownEndsInterruptibleSleeps) {
    DEFINE_MUTEX(lock);
    mutex_lock(&lock);
    TaskSignal signal;
    int result = 0;
    std::thread t([&] {
        TaskScope scope(Caller{getpid(), 0, 0}, &signal);
        result = mutex_lock_interruptible(&lock);
    });
    std::this_thread::sleep_for(100ms);
    auto start = Clock::now();
    kernel_.begin_shutdown();
    t.join();
    EXPECT_EQ(result, -EINTR);
    EXPECT_LT(Clock::now() - start, 1s);
    mutex_unlock(&lock);
}

TEST_F(SyncSignalTest, LockdepAssertHeldWarnsWhenTheLockIsNotHeld) {
    DEFINE_MUTEX(config_lock);
    mutex_lock(&config_lock);
    lockdep_assert_held(&config_lock);
    mutex_unlock(&config_lock);
    EXPECT_TRUE(kernel_.log().snapshot().empty()) << "held: no report";
    lockdep_assert_held(&config_lock);
    auto records = kernel_.log().snapshot();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_NE(records[0].text.find("WARNING: "), std::string::npos) << records[0].text;
    EXPECT_NE(records[0].text.find("lockdep_assert_held(config_lock)"), std::string::npos)
        << records[0].text;
}

TEST(SyncSemaphoreTest, CountLimitsHoldersAtOnce) {
    DECLARE_SEMAPHORE_GENERIC(sem, 3);
    std::atomic<int> inside{0};
    std::atomic<int> most{0};
    run_threads(kThreads, [&](int) {
        for (int n = 0; n < 200; ++n) {
            down(&sem);
            int now = inside.fetch_add(1) + 1;
            int seen = most.load();
            while (now > seen && !most.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::yield();
            inside.fetch_sub(1);
            up(&sem);
        }
    });
    EXPECT_LE(most.load(), 3);
    EXPECT_GE(most.load(), 2) << "a counting semaphore lets several in";
    EXPECT_EQ(sem.count, 3u);
}

TEST(SyncSemaphoreTest, BinarySemaphoreExcludes) {
    DEFINE_SEMAPHORE(sem);
    long counter = 0;
    run_threads(kThreads, [&](int) {
        for (int n = 0; n < kPerThread / 2; ++n) {
            down(&sem);
            racy_increment(&counter);
            up(&sem);
        }
    });
    EXPECT_EQ(counter, kThreads * kPerThread / 2);
}

TEST(SyncSemaphoreTest, TrylockAndTimeout) {
    struct semaphore sem;
    sema_init(&sem, 1);
    EXPECT_EQ(down_trylock(&sem), 0) << "0 means taken";
    EXPECT_EQ(down_trylock(&sem), 1);
    auto start = Clock::now();
    auto cpu = thread_cpu_time();
    EXPECT_EQ(down_timeout(&sem, 50), -ETIME); // 50 jiffies = 200 ms at HZ=250
    auto took = Clock::now() - start;
    EXPECT_GE(took, 190ms);
    EXPECT_LT(took, 2s);
    EXPECT_LT(thread_cpu_time() - cpu, 100ms);
    up(&sem);
    EXPECT_EQ(down_timeout(&sem, 50), 0);
}

TEST(SyncSemaphoreTest, UpFromAnotherThreadWakesASleeper) {
    struct semaphore sem;
    sema_init(&sem, 0);
    std::thread t([&] {
        std::this_thread::sleep_for(200ms);
        up(&sem);
    });
    auto start = Clock::now();
    down(&sem);
    EXPECT_GE(Clock::now() - start, 150ms);
    t.join();
}

TEST_F(SyncSignalTest, DownInterruptibleReturnsEintrWhenSignalled) {
    struct semaphore sem;
    sema_init(&sem, 0);
    auto r = interrupt_after<int>(200ms, [&] { return down_interruptible(&sem); });
    EXPECT_EQ(r.result, -EINTR);
    EXPECT_LT(r.after_signal, 100ms);
    EXPECT_EQ(sem.count, 0u);
    up(&sem);
    EXPECT_EQ(down_interruptible(&sem), 0) << "an unsignalled task takes it";
}

TEST(SyncRwsemTest, WritersExcludeReadersShare) {
    DECLARE_RWSEM(sem);
    long counter = 0;
    std::atomic<bool> torn{false};
    run_threads(kThreads, [&](int i) {
        for (int n = 0; n < kPerThread / 4; ++n) {
            if (i % 2 == 0) {
                down_write(&sem);
                racy_increment(&counter);
                racy_increment(&counter);
                up_write(&sem);
            } else {
                down_read(&sem);
                if (counter % 2 != 0)
                    torn.store(true);
                up_read(&sem);
            }
        }
    });
    EXPECT_EQ(counter, kThreads / 2 * kPerThread / 2);
    EXPECT_FALSE(torn.load());
    EXPECT_FALSE(rwsem_is_locked(&sem));
}

TEST(SyncRwsemTest, ReadersHoldItTogether) {
    struct rw_semaphore sem;
    init_rwsem(&sem);
    std::atomic<int> inside{0};
    std::atomic<bool> all{false};
    run_threads(4, [&](int) {
        down_read(&sem);
        inside.fetch_add(1);
        auto until = Clock::now() + 2s;
        while (inside.load() < 4 && Clock::now() < until)
            std::this_thread::yield();
        if (inside.load() == 4)
            all.store(true);
        up_read(&sem);
    });
    EXPECT_TRUE(all.load());
}

TEST(SyncRwsemTest, AWriterSleepsUntilReadersLeave) {
    DECLARE_RWSEM(sem);
    down_read(&sem);
    EXPECT_EQ(down_write_trylock(&sem), 0);
    std::atomic<bool> wrote{false};
    std::chrono::microseconds cpu{};
    std::thread writer([&] {
        auto start = thread_cpu_time();
        down_write(&sem);
        cpu = thread_cpu_time() - start;
        wrote.store(true);
        up_write(&sem);
    });
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(wrote.load());
    // A writer waits: a new reader is held off, so the writer cannot starve.
    int r = -1;
    std::thread([&] { r = down_read_trylock(&sem); }).join();
    EXPECT_EQ(r, 0);
    up_read(&sem);
    writer.join();
    EXPECT_TRUE(wrote.load());
    EXPECT_LT(cpu, 100ms);
}

TEST(SyncRwsemTest, DowngradeKeepsWritersOut) {
    DECLARE_RWSEM(sem);
    down_write(&sem);
    downgrade_write(&sem);
    int r = -1, w = -1;
    std::thread([&] {
        r = down_read_trylock(&sem);
        if (r)
            up_read(&sem);
        w = down_write_trylock(&sem);
    }).join();
    EXPECT_EQ(r, 1);
    EXPECT_EQ(w, 0);
    up_read(&sem);
    EXPECT_FALSE(rwsem_is_locked(&sem));
}

TEST_F(SyncSignalTest, RwsemKillableFormsReturnEintr) {
    DECLARE_RWSEM(sem);
    down_write(&sem);
    auto r = interrupt_after<int>(150ms, [&] { return down_read_killable(&sem); });
    EXPECT_EQ(r.result, -EINTR);
    up_write(&sem);
    down_read(&sem);
    auto w = interrupt_after<int>(150ms, [&] { return down_write_killable(&sem); });
    EXPECT_EQ(w.result, -EINTR);
    EXPECT_EQ(down_read_trylock(&sem), 1) << "the interrupted writer no longer holds readers off";
    up_read(&sem);
    up_read(&sem);
    EXPECT_FALSE(rwsem_is_locked(&sem));
}

} // namespace
} // namespace lkmfs::kernel::sync_test
