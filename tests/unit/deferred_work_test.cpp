// Workqueues and kernel threads (<linux/workqueue.h>, <linux/kthread.h>) on a running
// kernel: the queueing rules, the ordering and concurrency limits, what flush and cancel
// wait for, and the kthread life cycle.
#include "sync_test_support.h"

#include <cstring>
#include <mutex>

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

namespace lkmfs::kernel::sync_test {
namespace {

struct Job {
    work_struct work;
    std::atomic<int> runs{0};
    std::atomic<int> running{0};
    std::atomic<int> max_running{0};
    std::atomic<int> requeue{0};
    std::atomic<long> sleep_ms{0};
    std::atomic<bool> softirq{true};
    char comm[TASK_COMM_LEN]{};
    workqueue_struct *wq = nullptr;
};

void job_fn(work_struct *w) {
    Job *j = container_of(w, Job, work);
    int now = j->running.fetch_add(1) + 1;
    int seen = j->max_running.load();
    while (now > seen && !j->max_running.compare_exchange_weak(seen, now)) {
    }
    j->softirq = in_softirq();
    std::memcpy(j->comm, get_current()->comm, sizeof j->comm);
    if (j->sleep_ms.load() > 0)
        msleep(static_cast<unsigned int>(j->sleep_ms.load())); // process context: may sleep
    j->running.fetch_sub(1);
    if (j->requeue.load() > 0) {
        j->requeue.fetch_sub(1);
        queue_work(j->wq != nullptr ? j->wq : system_wq, &j->work);
    }
    j->runs.fetch_add(1); // last: a test that sees it may end, and `j` with it
}

class WorkqueueTest : public ::testing::Test {
  protected:
    Kernel kernel_{quiet_kernel()};
};

TEST_F(WorkqueueTest, ScheduleWorkRunsItOnceInProcessContextOnAWorker) {
    Job j;
    INIT_WORK(&j.work, job_fn);
    EXPECT_FALSE(work_pending(&j.work));
    EXPECT_TRUE(schedule_work(&j.work));
    ASSERT_TRUE(eventually([&] { return j.runs.load() == 1; }));
    EXPECT_FALSE(j.softirq);
    EXPECT_EQ(std::string(j.comm).rfind("kworker/", 0), 0u) << j.comm;
    EXPECT_FALSE(work_pending(&j.work));
}

TEST_F(WorkqueueTest, QueueingAPendingItemFailsAndItRunsOnce) {
    Job j;
    j.sleep_ms = 30;
    INIT_WORK(&j.work, job_fn);
    Job blocker; // keeps the ordered queue's only worker busy
    blocker.sleep_ms = 50;
    INIT_WORK(&blocker.work, job_fn);
    workqueue_struct *wq = alloc_ordered_workqueue("test_ordered", 0);
    ASSERT_NE(wq, nullptr);
    EXPECT_TRUE(queue_work(wq, &blocker.work));
    EXPECT_TRUE(queue_work(wq, &j.work));
    EXPECT_TRUE(work_pending(&j.work));
    EXPECT_FALSE(queue_work(wq, &j.work));
    EXPECT_FALSE(schedule_work(&j.work)); // pending anywhere means pending
    flush_workqueue(wq);
    EXPECT_EQ(j.runs.load(), 1);
    EXPECT_EQ(blocker.runs.load(), 1);
    destroy_workqueue(wq);
}

TEST_F(WorkqueueTest, AnOrderedQueueRunsItemsOneAtATimeInQueueingOrder) {
    static std::vector<int> order;
    static std::atomic<int> concurrent{0}, max_concurrent{0};
    order.clear();
    struct Item {
        work_struct work;
        int id;
    } items[8];
    workqueue_struct *wq = create_singlethread_workqueue("test_single");
    for (int i = 0; i < 8; ++i) {
        items[i].id = i;
        INIT_WORK(&items[i].work, [](work_struct *w) {
            int c = concurrent.fetch_add(1) + 1;
            max_concurrent = std::max(max_concurrent.load(), c);
            msleep(2);
            order.push_back(container_of(w, Item, work)->id);
            concurrent.fetch_sub(1);
        });
        queue_work(wq, &items[i].work);
    }
    flush_workqueue(wq);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(max_concurrent.load(), 1);
    destroy_workqueue(wq);
}

TEST_F(WorkqueueTest, MaxActiveBoundsConcurrencyAndSleepingItemsOverlap) {
    workqueue_struct *wq = alloc_workqueue("test_%d", 0, 3, 3);
    std::vector<std::unique_ptr<Job>> jobs;
    static std::atomic<int> running{0}, peak{0};
    running = 0;
    peak = 0;
    struct Slow {
        work_struct work;
    };
    std::vector<Slow> slow(9);
    auto t0 = Clock::now();
    for (auto &s : slow) {
        INIT_WORK(&s.work, [](work_struct *) {
            int r = running.fetch_add(1) + 1;
            int p = peak.load();
            while (r > p && !peak.compare_exchange_weak(p, r)) {
            }
            msleep(40);
            running.fetch_sub(1);
        });
        queue_work(wq, &s.work);
    }
    flush_workqueue(wq);
    auto took = Clock::now() - t0;
    EXPECT_EQ(peak.load(), 3);
    EXPECT_GE(took, 120ms); // 9 items, 3 at a time, 40 ms each
    destroy_workqueue(wq);
}

TEST_F(WorkqueueTest, AnItemNeverRunsOnTwoWorkersAtOnce) {
    Job j;
    j.sleep_ms = 20;
    INIT_WORK(&j.work, job_fn);
    workqueue_struct *wq = alloc_workqueue("test_reentry", WQ_UNBOUND, 8);
    for (int i = 0; i < 5; ++i) {
        queue_work(wq, &j.work);
        std::this_thread::sleep_for(5ms); // requeued while running
    }
    flush_workqueue(wq);
    EXPECT_EQ(j.max_running.load(), 1);
    destroy_workqueue(wq);
}

TEST_F(WorkqueueTest, CancelWorkSyncStopsASelfRequeueingItem) {
    Job j;
    j.requeue = 1000000;
    j.sleep_ms = 1;
    INIT_WORK(&j.work, job_fn);
    schedule_work(&j.work);
    ASSERT_TRUE(eventually([&] { return j.runs.load() >= 5; }));
    cancel_work_sync(&j.work);
    EXPECT_FALSE(work_pending(&j.work));
    EXPECT_EQ(j.running.load(), 0);
    int runs = j.runs.load();
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(j.runs.load(), runs);
}

TEST_F(WorkqueueTest, CancelOfAQueuedItemReportsItAndItNeverRuns) {
    Job blocker, j;
    blocker.sleep_ms = 40;
    INIT_WORK(&blocker.work, job_fn);
    INIT_WORK(&j.work, job_fn);
    workqueue_struct *wq = alloc_ordered_workqueue("test_cancel", 0);
    queue_work(wq, &blocker.work);
    queue_work(wq, &j.work);
    EXPECT_TRUE(cancel_work_sync(&j.work));
    EXPECT_FALSE(cancel_work_sync(&j.work));
    destroy_workqueue(wq);
    EXPECT_EQ(j.runs.load(), 0);
}

TEST_F(WorkqueueTest, FlushWorkWaitsForTheRunInProgress) {
    Job j;
    j.sleep_ms = 50;
    INIT_WORK(&j.work, job_fn);
    schedule_work(&j.work);
    ASSERT_TRUE(eventually([&] { return j.running.load() == 1; }));
    EXPECT_TRUE(flush_work(&j.work));
    EXPECT_EQ(j.runs.load(), 1);
    EXPECT_FALSE(flush_work(&j.work)); // idle: nothing to wait for
}

struct DelayedJob {
    delayed_work dwork;
    std::atomic<int> runs{0};
    std::atomic<unsigned long> ran_at{0};
};

void delayed_fn(work_struct *w) {
    DelayedJob *d = container_of(to_delayed_work(w), DelayedJob, dwork);
    d->ran_at = jiffies;
    d->runs.fetch_add(1);
}

TEST_F(WorkqueueTest, DelayedWorkRunsNoEarlierThanItsDelay) {
    DelayedJob d;
    INIT_DELAYED_WORK(&d.dwork, delayed_fn);
    unsigned long start = jiffies;
    EXPECT_TRUE(schedule_delayed_work(&d.dwork, msecs_to_jiffies(60)));
    EXPECT_TRUE(delayed_work_pending(&d.dwork));
    EXPECT_FALSE(schedule_delayed_work(&d.dwork, 1));
    ASSERT_TRUE(eventually([&] { return d.runs.load() == 1; }));
    EXPECT_GE(d.ran_at.load() - start, msecs_to_jiffies(60));
    EXPECT_FALSE(delayed_work_pending(&d.dwork));
}

TEST_F(WorkqueueTest, ModDelayedWorkMovesAPendingItem) {
    DelayedJob d;
    INIT_DELAYED_WORK(&d.dwork, delayed_fn);
    EXPECT_FALSE(mod_delayed_work(system_wq, &d.dwork, HZ * 10)); // was idle
    EXPECT_TRUE(mod_delayed_work(system_wq, &d.dwork, 1));        // was pending
    ASSERT_TRUE(eventually([&] { return d.runs.load() == 1; }, 500ms));
}

TEST_F(WorkqueueTest, CancelDelayedWorkSyncBeforeItsTimeMeansItNeverRuns) {
    DelayedJob d;
    INIT_DELAYED_WORK(&d.dwork, delayed_fn);
    schedule_delayed_work(&d.dwork, msecs_to_jiffies(30));
    EXPECT_TRUE(cancel_delayed_work_sync(&d.dwork));
    EXPECT_FALSE(delayed_work_pending(&d.dwork));
    std::this_thread::sleep_for(60ms);
    EXPECT_EQ(d.runs.load(), 0);
    EXPECT_FALSE(cancel_delayed_work(&d.dwork));
}

TEST_F(WorkqueueTest, FlushDelayedWorkRunsItNow) {
    DelayedJob d;
    INIT_DELAYED_WORK(&d.dwork, delayed_fn);
    schedule_delayed_work(&d.dwork, HZ * 10);
    auto t0 = Clock::now();
    // Its return value says whether it had to wait, which depends on the worker's speed
    // (as in Linux); that the item ran when it returns does not.
    flush_delayed_work(&d.dwork);
    EXPECT_EQ(d.runs.load(), 1);
    EXPECT_LT(Clock::now() - t0, 1s);
}

TEST_F(WorkqueueTest, StaticallyDeclaredWorkRuns) {
    static std::atomic<int> hits{0};
    static DECLARE_WORK(static_work, [](work_struct *) { hits.fetch_add(1); });
    static DECLARE_DELAYED_WORK(static_dwork, [](work_struct *) { hits.fetch_add(10); });
    schedule_work(&static_work);
    schedule_delayed_work(&static_dwork, 1);
    ASSERT_TRUE(eventually([&] { return hits.load() == 11; }));
}

TEST_F(WorkqueueTest, DestroyWorkqueueRunsWhatIsQueuedFirst) {
    Job a, b;
    a.sleep_ms = 20;
    INIT_WORK(&a.work, job_fn);
    INIT_WORK(&b.work, job_fn);
    workqueue_struct *wq = alloc_ordered_workqueue("test_destroy", 0);
    queue_work(wq, &a.work);
    queue_work(wq, &b.work);
    destroy_workqueue(wq);
    EXPECT_EQ(a.runs.load(), 1);
    EXPECT_EQ(b.runs.load(), 1);
}

// ---- kthreads ----

struct ThreadData {
    std::atomic<int> loops{0};
    std::atomic<bool> started{false};
    char comm[TASK_COMM_LEN]{};
    std::atomic<pid_t> pid{0};
};

int loop_fn(void *arg) {
    auto *d = static_cast<ThreadData *>(arg);
    d->started = true;
    std::memcpy(d->comm, get_current()->comm, sizeof d->comm);
    d->pid = get_current()->pid;
    while (!kthread_should_stop()) {
        d->loops.fetch_add(1);
        schedule_timeout_interruptible(msecs_to_jiffies(5));
    }
    return 7;
}

TEST(KThreadTest, KthreadRunStartsAThreadThatRunsAsItsOwnTaskUntilStopped) {
    Kernel kernel{quiet_kernel()};
    ThreadData d;
    task_struct *k = kthread_run(loop_fn, &d, "test_kt/%d", 3);
    ASSERT_FALSE(IS_ERR(k));
    ASSERT_TRUE(eventually([&] { return d.loops.load() >= 3; }));
    EXPECT_STREQ(d.comm, "test_kt/3");
    EXPECT_STREQ(k->comm, "test_kt/3");
    EXPECT_EQ(d.pid.load(), k->pid);
    EXPECT_NE(k->pid, ::gettid());
    EXPECT_EQ(kthread_data(k), &d);
    EXPECT_EQ(kthread_stop(k), 7);
}

TEST(KThreadTest, KthreadStopWakesASleepingThreadAtOnce) {
    Kernel kernel{quiet_kernel()};
    static std::atomic<bool> started{false};
    started = false;
    task_struct *k = kthread_run(
        [](void *) -> int {
            started = true;
            while (!kthread_should_stop())
                schedule_timeout_interruptible(MAX_SCHEDULE_TIMEOUT);
            return 0;
        },
        nullptr, "sleeper");
    ASSERT_TRUE(eventually([&] { return started.load(); }));
    std::this_thread::sleep_for(10ms);
    auto t0 = Clock::now();
    EXPECT_EQ(kthread_stop(k), 0);
    EXPECT_LT(Clock::now() - t0, 500ms);
}

TEST(KThreadTest, ACreatedThreadWaitsForWakeUpAndStoppingItFirstGivesEintr) {
    Kernel kernel{quiet_kernel()};
    ThreadData d;
    task_struct *k = kthread_create(loop_fn, &d, "never_woken");
    ASSERT_FALSE(IS_ERR(k));
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(d.started.load());
    EXPECT_EQ(kthread_stop(k), -EINTR);
    EXPECT_FALSE(d.started.load());

    ThreadData e;
    task_struct *k2 = kthread_create(loop_fn, &e, "woken");
    std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(e.started.load());
    wake_up_process(k2);
    ASSERT_TRUE(eventually([&] { return e.started.load(); }));
    EXPECT_EQ(kthread_stop(k2), 7);
}

TEST(KThreadTest, AThreadThatReturnedByItselfStillGivesItsResultToKthreadStop) {
    Kernel kernel{quiet_kernel()};
    static std::atomic<bool> done{false};
    done = false;
    task_struct *k = kthread_run(
        [](void *) -> int {
            done = true;
            return 5;
        },
        nullptr, "short");
    ASSERT_TRUE(eventually([&] { return done.load(); }));
    std::this_thread::sleep_for(10ms);
    EXPECT_EQ(kthread_stop(k), 5);
}

} // namespace
} // namespace lkmfs::kernel::sync_test
