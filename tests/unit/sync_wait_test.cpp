// Wait queues and completions (fsd/kernel/{wait,completion}.cpp): sleepers really sleep
// until woken; wake_up wakes every non-exclusive sleeper and one exclusive one,
// wake_up_interruptible only interruptible sleepers, wake_up_all everyone; timeouts count
// in jiffies; interruptible waits return -ERESTARTSYS when the task is signalled; and the
// completion counts of the seed (complete, complete_all, reinit).
#include "sync_test_support.h"

#include <linux/completion.h>
#include <linux/errno.h>
#include <linux/wait.h>

namespace lkmfs::kernel::sync_test {
namespace {

// Spins (bounded) until `n` sleepers are queued on `wq`.
void await_sleepers(wait_queue_head_t *wq, int n) {
    ASSERT_TRUE(eventually([&] {
        int count = 0;
        spin_lock(&wq->lock);
        for (list_head *p = wq->head.next; p != &wq->head; p = p->next)
            ++count;
        spin_unlock(&wq->lock);
        return count >= n;
    }));
}

TEST(SyncWaitTest, WaitEventSleepsUntilTheConditionAndAWakeUp) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    std::atomic<int> flag{0};
    std::atomic<bool> returned{false};
    std::chrono::microseconds cpu{};
    std::thread sleeper([&] {
        auto start = thread_cpu_time();
        wait_event(wq, flag.load() != 0);
        cpu = thread_cpu_time() - start;
        returned.store(true);
    });
    await_sleepers(&wq, 1);
    wake_up(&wq); // the condition is still false: it goes back to sleep
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(returned.load());
    flag.store(1);
    wake_up(&wq);
    sleeper.join();
    EXPECT_TRUE(returned.load());
    EXPECT_LT(cpu, 100ms) << "the sleeper must sleep, not poll";
    EXPECT_FALSE(waitqueue_active(&wq)) << "the entry left the queue";
}

TEST(SyncWaitTest, TheConditionTrueAlreadyDoesNotSleep) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    wait_event(wq, true);
    EXPECT_EQ(wait_event_interruptible(wq, 1 == 1), 0);
    EXPECT_EQ(wait_event_timeout(wq, true, 100), 100);
}

TEST(SyncWaitTest, WakeUpWakesAllNonExclusiveAndOneExclusive) {
    wait_queue_head_t wq;
    init_waitqueue_head(&wq);
    std::atomic<int> go{0};
    std::atomic<int> shared_woken{0};
    std::atomic<int> exclusive_woken{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
        threads.emplace_back([&] {
            wait_event_interruptible(wq, go.load() != 0);
            shared_woken.fetch_add(1);
        });
        threads.emplace_back([&] {
            // Consumes the event, as an exclusive waiter does.
            wait_event_interruptible_exclusive(wq, go.load() != 0);
            exclusive_woken.fetch_add(1);
        });
    }
    await_sleepers(&wq, 6);
    go.store(1);
    wake_up(&wq);
    EXPECT_TRUE(eventually([&] { return shared_woken.load() == 3; }));
    EXPECT_TRUE(eventually([&] { return exclusive_woken.load() == 1; }));
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(exclusive_woken.load(), 1) << "one exclusive waiter per wake_up";
    wake_up_nr(&wq, 2);
    EXPECT_TRUE(eventually([&] { return exclusive_woken.load() == 3; }));
    for (auto &t : threads)
        t.join();
}

TEST(SyncWaitTest, WakeUpAllWakesEveryExclusiveWaiter) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    std::atomic<int> go{0};
    std::atomic<int> woken{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            wait_event_interruptible_exclusive(wq, go.load() != 0);
            woken.fetch_add(1);
        });
    }
    await_sleepers(&wq, 4);
    go.store(1);
    wake_up_all(&wq);
    EXPECT_TRUE(eventually([&] { return woken.load() == 4; }));
    for (auto &t : threads)
        t.join();
}

TEST(SyncWaitTest, WakeUpInterruptibleLeavesUninterruptibleSleepers) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    std::atomic<int> go{0};
    std::atomic<bool> plain_woken{false};
    std::atomic<bool> interruptible_woken{false};
    std::thread plain([&] {
        wait_event(wq, go.load() != 0);
        plain_woken.store(true);
    });
    std::thread interruptible([&] {
        wait_event_interruptible(wq, go.load() != 0);
        interruptible_woken.store(true);
    });
    await_sleepers(&wq, 2);
    go.store(1);
    wake_up_interruptible(&wq);
    EXPECT_TRUE(eventually([&] { return interruptible_woken.load(); }));
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(plain_woken.load()) << "TASK_UNINTERRUPTIBLE is not woken by it";
    wake_up(&wq);
    EXPECT_TRUE(eventually([&] { return plain_woken.load(); }));
    plain.join();
    interruptible.join();
}

TEST(SyncWaitTest, TimeoutsCountJiffies) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    auto start = Clock::now();
    auto cpu = thread_cpu_time();
    long left = wait_event_timeout(wq, false, 50); // 200 ms
    auto took = Clock::now() - start;
    EXPECT_EQ(left, 0);
    EXPECT_GE(took, 190ms);
    EXPECT_LT(took, 2s);
    EXPECT_LT(thread_cpu_time() - cpu, 100ms);
    EXPECT_EQ(wait_event_interruptible_timeout(wq, false, 5), 0);
}

TEST(SyncWaitTest, TimeoutReturnsTheJiffiesLeftWhenWoken) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    std::atomic<int> go{0};
    std::thread waker([&] {
        std::this_thread::sleep_for(100ms);
        go.store(1);
        wake_up(&wq);
    });
    long left = wait_event_timeout(wq, go.load() != 0, 2500); // 10 s
    waker.join();
    EXPECT_GT(left, 2000);
    EXPECT_LT(left, 2500);
}

TEST(SyncWaitTest, PrepareToWaitAndScheduleTimeoutAsInLdd3) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    std::atomic<int> go{0};
    std::atomic<bool> done{false};
    std::thread sleeper([&] {
        DEFINE_WAIT(wait);
        while (go.load() == 0) {
            prepare_to_wait(&wq, &wait, TASK_INTERRUPTIBLE);
            if (go.load() == 0)
                schedule_timeout(MAX_SCHEDULE_TIMEOUT);
            finish_wait(&wq, &wait);
        }
        done.store(true);
    });
    await_sleepers(&wq, 1);
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(done.load());
    go.store(1);
    wake_up_interruptible(&wq);
    sleeper.join();
    EXPECT_TRUE(done.load());
}

TEST(SyncWaitTest, WakeUpProcessWakesASleepingTask) {
    std::atomic<task_struct *> task{nullptr};
    std::atomic<bool> stop{false};
    std::atomic<long> left{-1};
    std::thread t([&] {
        task.store(get_current());
        set_current_state(TASK_INTERRUPTIBLE);
        if (!stop.load())
            left.store(schedule_timeout(2500));
        __set_current_state(TASK_RUNNING);
    });
    ASSERT_TRUE(eventually([&] { return task.load() != nullptr; }));
    std::this_thread::sleep_for(100ms);
    stop.store(true);
    EXPECT_EQ(wake_up_process(task.load()), 1);
    t.join();
    EXPECT_GT(left.load(), 2000) << "woken early, not timed out";
}

TEST(SyncWaitTest, ScheduleTimeoutSleepsTheTime) {
    auto start = Clock::now();
    EXPECT_EQ(schedule_timeout_uninterruptible(25), 0); // 100 ms
    EXPECT_GE(Clock::now() - start, 95ms);
    EXPECT_EQ(schedule_timeout(10), 10) << "TASK_RUNNING: no sleep, as in Linux";
}

class SyncWaitSignalTest : public ::testing::Test {
  protected:
    Kernel kernel_{quiet_kernel()};
};

TEST_F(SyncWaitSignalTest, WaitEventInterruptibleReturnsErestartsys) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    auto r = interrupt_after<int>(200ms, [&] { return wait_event_interruptible(wq, false); });
    EXPECT_EQ(r.result, -ERESTARTSYS);
    EXPECT_LT(r.after_signal, 100ms);
    EXPECT_FALSE(waitqueue_active(&wq));
}

TEST_F(SyncWaitSignalTest, InterruptibleTimeoutAndKillableFormsToo) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    auto r = interrupt_after<long>(
        100ms, [&] { return wait_event_interruptible_timeout(wq, false, 2500); });
    EXPECT_EQ(r.result, -ERESTARTSYS);
    auto k = interrupt_after<int>(100ms, [&] { return wait_event_killable(wq, false); });
    EXPECT_EQ(k.result, -ERESTARTSYS);
    auto s = interrupt_after<long>(100ms, [&] { return schedule_timeout_interruptible(2500); });
    EXPECT_GT(s.result, 0);
}

TEST_F(SyncWaitSignalTest, AnUninterruptibleWaitIgnoresTheSignal) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    std::atomic<int> go{0};
    TaskSignal signal;
    std::atomic<bool> returned{false};
    std::thread t([&] {
        TaskScope scope(Caller{getpid(), 0, 0}, &signal);
        wait_event(wq, go.load() != 0);
        returned.store(true);
    });
    await_sleepers(&wq, 1);
    signal.raise();
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(returned.load());
    go.store(1);
    wake_up(&wq);
    t.join();
}

TEST_F(SyncWaitSignalTest, ASignalledExclusiveWaiterPassesNoWakeupOn) {
    // wake_up goes to the exclusive waiter still asleep, not to the one that left.
    DECLARE_WAIT_QUEUE_HEAD(wq);
    std::atomic<int> tokens{0};
    std::atomic<int> got{0};
    std::thread other([&] {
        wait_event_interruptible_exclusive(wq, tokens.load() > 0);
        got.fetch_add(1);
    });
    auto r = interrupt_after<int>(
        150ms, [&] { return wait_event_interruptible_exclusive(wq, tokens.load() > 0); });
    EXPECT_EQ(r.result, -ERESTARTSYS);
    tokens.store(1);
    wake_up(&wq);
    EXPECT_TRUE(eventually([&] { return got.load() == 1; }));
    other.join();
}

TEST(SyncCompletionTest, WaitSleepsUntilComplete) {
    DECLARE_COMPLETION(done);
    std::chrono::microseconds cpu{};
    std::atomic<bool> returned{false};
    std::thread waiter([&] {
        auto start = thread_cpu_time();
        wait_for_completion(&done);
        cpu = thread_cpu_time() - start;
        returned.store(true);
    });
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(returned.load());
    EXPECT_FALSE(completion_done(&done));
    complete(&done);
    waiter.join();
    EXPECT_LT(cpu, 100ms);
    EXPECT_FALSE(completion_done(&done)) << "the waiter consumed it";
}

TEST(SyncCompletionTest, EachCompleteReleasesOneWaiter) {
    struct completion c;
    init_completion(&c);
    std::atomic<int> passed{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < 3; ++i) {
        waiters.emplace_back([&] {
            wait_for_completion(&c);
            passed.fetch_add(1);
        });
    }
    std::this_thread::sleep_for(100ms);
    complete(&c);
    EXPECT_TRUE(eventually([&] { return passed.load() == 1; }));
    std::this_thread::sleep_for(150ms);
    EXPECT_EQ(passed.load(), 1);
    complete(&c);
    complete(&c);
    EXPECT_TRUE(eventually([&] { return passed.load() == 3; }));
    for (auto &t : waiters)
        t.join();
}

TEST(SyncCompletionTest, CompleteAllLetsEveryoneThroughUntilReinit) {
    DECLARE_COMPLETION(c);
    std::atomic<int> passed{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < 4; ++i) {
        waiters.emplace_back([&] {
            wait_for_completion(&c);
            passed.fetch_add(1);
        });
    }
    std::this_thread::sleep_for(100ms);
    complete_all(&c);
    EXPECT_TRUE(eventually([&] { return passed.load() == 4; }));
    for (auto &t : waiters)
        t.join();
    wait_for_completion(&c); // later waiters pass too
    EXPECT_TRUE(try_wait_for_completion(&c));
    complete(&c); // no effect after complete_all
    EXPECT_EQ(c.done, UINT_MAX);
    reinit_completion(&c);
    EXPECT_FALSE(try_wait_for_completion(&c));
    EXPECT_EQ(wait_for_completion_timeout(&c, 5), 0u);
}

TEST(SyncCompletionTest, TimeoutCountsJiffiesAndCompletionsAccumulate) {
    DECLARE_COMPLETION(c);
    auto start = Clock::now();
    EXPECT_EQ(wait_for_completion_timeout(&c, 50), 0u);
    EXPECT_GE(Clock::now() - start, 190ms);
    complete(&c);
    complete(&c);
    EXPECT_GT(wait_for_completion_timeout(&c, 50), 0u);
    EXPECT_TRUE(completion_done(&c));
    EXPECT_TRUE(try_wait_for_completion(&c));
    EXPECT_FALSE(try_wait_for_completion(&c));
}

TEST_F(SyncWaitSignalTest, CompletionInterruptibleFormsReturnErestartsys) {
    DECLARE_COMPLETION(c);
    auto r = interrupt_after<int>(150ms, [&] { return wait_for_completion_interruptible(&c); });
    EXPECT_EQ(r.result, -ERESTARTSYS);
    EXPECT_LT(r.after_signal, 100ms);
    auto k = interrupt_after<int>(100ms, [&] { return wait_for_completion_killable(&c); });
    EXPECT_EQ(k.result, -ERESTARTSYS);
    auto t = interrupt_after<long>(
        100ms, [&] { return wait_for_completion_interruptible_timeout(&c, 2500); });
    EXPECT_EQ(t.result, -ERESTARTSYS);
    complete(&c);
    EXPECT_EQ(wait_for_completion_interruptible(&c), 0);
}

} // namespace
} // namespace lkmfs::kernel::sync_test
