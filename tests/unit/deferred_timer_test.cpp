// Kernel timers and tasklets (<linux/timer.h>, <linux/interrupt.h>) on a running kernel's
// softirq thread: when they fire, in which context, and what the deletes wait for.
#include "sync_test_support.h"

#include <cstring>
#include <mutex>

#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/timer.h>

namespace lkmfs::kernel::sync_test {
namespace {

struct Probe {
    timer_list timer;
    std::atomic<int> fired{0};
    std::atomic<unsigned long> fired_at{0};
    std::atomic<bool> in_softirq_seen{false};
    std::atomic<bool> atomic_seen{false};
    std::atomic<int> rearm{0}; // times the callback re-arms itself
    std::atomic<long> busy_us{0};
    char comm[TASK_COMM_LEN]{};
};

void probe_fn(timer_list *t) {
    Probe *p = from_timer(p, t, timer);
    p->fired_at = jiffies;
    p->in_softirq_seen = in_softirq();
    p->atomic_seen = in_atomic();
    std::memcpy(p->comm, get_current()->comm, sizeof p->comm);
    if (p->busy_us.load() > 0)
        udelay(static_cast<unsigned long>(p->busy_us.load()));
    if (p->rearm.load() > 0) {
        p->rearm.fetch_sub(1);
        mod_timer(&p->timer, jiffies + 1);
    }
    p->fired.fetch_add(1);
}

class TimerTest : public ::testing::Test {
  protected:
    Kernel kernel_{quiet_kernel()};
};

TEST_F(TimerTest, FiresOnceNotBeforeItsExpiryInSoftirqContextOnTheSoftirqThread) {
    Probe p;
    timer_setup(&p.timer, probe_fn, 0);
    EXPECT_FALSE(timer_pending(&p.timer));
    unsigned long expires = jiffies + msecs_to_jiffies(40);
    EXPECT_EQ(mod_timer(&p.timer, expires), 0); // was inactive
    EXPECT_TRUE(timer_pending(&p.timer));
    ASSERT_TRUE(eventually([&] { return p.fired.load() == 1; }));
    EXPECT_TRUE(time_after_eq(p.fired_at.load(), expires));
    // Late by at most a tick on an idle machine; the bound only catches a timer left
    // for much longer (a slow sanitizer build is far within it).
    EXPECT_LE(p.fired_at.load() - expires, static_cast<unsigned long>(HZ));
    EXPECT_TRUE(p.in_softirq_seen);
    EXPECT_TRUE(p.atomic_seen);
    EXPECT_STREQ(p.comm, "ksoftirqd/0");
    EXPECT_FALSE(timer_pending(&p.timer));
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(p.fired.load(), 1); // one shot
}

TEST_F(TimerTest, ModTimerOfAPendingTimerMovesItAndSaysSo) {
    Probe p;
    timer_setup(&p.timer, probe_fn, 0);
    EXPECT_EQ(mod_timer(&p.timer, jiffies + HZ * 10), 0);
    EXPECT_EQ(mod_timer(&p.timer, jiffies + 2), 1); // was pending: moved earlier
    ASSERT_TRUE(eventually([&] { return p.fired.load() == 1; }, 500ms));
    EXPECT_EQ(mod_timer_pending(&p.timer, jiffies + 1), 0); // inactive stays inactive
    EXPECT_FALSE(timer_pending(&p.timer));
    EXPECT_EQ(mod_timer(&p.timer, jiffies + 2), 0);
    EXPECT_EQ(timer_reduce(&p.timer, jiffies + HZ), 1); // later: not moved
    ASSERT_TRUE(eventually([&] { return p.fired.load() == 2; }, 500ms));
}

TEST_F(TimerTest, DelTimerOfAPendingTimerStopsItAndReportsIt) {
    Probe p;
    timer_setup(&p.timer, probe_fn, 0);
    mod_timer(&p.timer, jiffies + msecs_to_jiffies(20));
    EXPECT_EQ(del_timer(&p.timer), 1);
    EXPECT_EQ(del_timer(&p.timer), 0);
    std::this_thread::sleep_for(60ms);
    EXPECT_EQ(p.fired.load(), 0);
    EXPECT_EQ(timer_delete_sync(&p.timer), 0);
}

TEST_F(TimerTest, DelTimerSyncWaitsForARunningCallback) {
    Probe p;
    p.busy_us = 80000; // the callback busy-waits 80 ms
    timer_setup(&p.timer, probe_fn, 0);
    mod_timer(&p.timer, jiffies);
    ASSERT_TRUE(eventually([&] { return p.fired_at.load() != 0; }));
    EXPECT_EQ(p.fired.load(), 0); // inside the callback now
    del_timer_sync(&p.timer);
    EXPECT_EQ(p.fired.load(), 1); // it returned before del_timer_sync did
}

TEST_F(TimerTest, DelTimerSyncStopsASelfRearmingTimer) {
    Probe p;
    p.rearm = 1000000;
    timer_setup(&p.timer, probe_fn, 0);
    mod_timer(&p.timer, jiffies + 1);
    ASSERT_TRUE(eventually([&] { return p.fired.load() >= 3; }));
    del_timer_sync(&p.timer);
    EXPECT_FALSE(timer_pending(&p.timer));
    int fired = p.fired.load();
    std::this_thread::sleep_for(40ms);
    EXPECT_EQ(p.fired.load(), fired);
}

TEST_F(TimerTest, TimersFireInExpiryOrder) {
    constexpr int n = 6;
    static std::vector<int> order;
    static std::mutex order_mutex;
    order.clear();
    struct Ordered {
        timer_list timer;
        int id;
    } timers[n];
    for (int i = 0; i < n; ++i) {
        timers[i].id = i;
        timer_setup(
            &timers[i].timer,
            [](timer_list *t) {
                Ordered *o = from_timer(o, t, timer);
                std::lock_guard lock(order_mutex);
                order.push_back(o->id);
            },
            0);
    }
    unsigned long base = jiffies + 5;
    for (int i = n - 1; i >= 0; --i) // armed in reverse, expiring in order
        mod_timer(&timers[i].timer, base + static_cast<unsigned long>(i) * 2);
    ASSERT_TRUE(eventually([&] {
        std::lock_guard lock(order_mutex);
        return order.size() == n;
    }));
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

TEST_F(TimerTest, ShutdownTimerCannotBeRearmed) {
    Probe p;
    timer_setup(&p.timer, probe_fn, 0);
    mod_timer(&p.timer, jiffies + HZ);
    EXPECT_EQ(timer_shutdown_sync(&p.timer), 1);
    EXPECT_EQ(mod_timer(&p.timer, jiffies + 1), 0);
    EXPECT_FALSE(timer_pending(&p.timer));
}

TEST_F(TimerTest, DefineTimerInitialisesStatically) {
    static std::atomic<int> hits{0};
    static DEFINE_TIMER(static_timer, [](timer_list *) { hits.fetch_add(1); });
    EXPECT_FALSE(timer_pending(&static_timer));
    mod_timer(&static_timer, jiffies + 1);
    ASSERT_TRUE(eventually([&] { return hits.load() == 1; }));
}

// ---- tasklets ----

struct TaskletProbe {
    tasklet_struct tasklet;
    std::atomic<int> runs{0};
    std::atomic<bool> softirq{false};
    std::atomic<long> busy_us{0};
};

void tasklet_fn(tasklet_struct *t) {
    TaskletProbe *p = from_tasklet(p, t, tasklet);
    p->softirq = in_softirq();
    if (p->busy_us.load() > 0)
        udelay(static_cast<unsigned long>(p->busy_us.load()));
    p->runs.fetch_add(1);
}

TEST_F(TimerTest, ATaskletScheduledTwiceBeforeItRunsRunsOnceInSoftirq) {
    TaskletProbe p;
    tasklet_setup(&p.tasklet, tasklet_fn);
    tasklet_disable(&p.tasklet); // hold it, so both schedules precede the run
    tasklet_schedule(&p.tasklet);
    tasklet_schedule(&p.tasklet);
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(p.runs.load(), 0); // disabled: stays scheduled
    tasklet_enable(&p.tasklet);
    ASSERT_TRUE(eventually([&] { return p.runs.load() == 1; }));
    EXPECT_TRUE(p.softirq);
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(p.runs.load(), 1);
    tasklet_kill(&p.tasklet);
}

TEST_F(TimerTest, TaskletKillWaitsForTheRun) {
    TaskletProbe p;
    p.busy_us = 50000;
    tasklet_setup(&p.tasklet, tasklet_fn);
    tasklet_schedule(&p.tasklet);
    tasklet_kill(&p.tasklet);
    EXPECT_EQ(p.runs.load(), 1);
    EXPECT_EQ(p.tasklet.state, 0ul);
}

TEST_F(TimerTest, OldStyleTaskletGetsItsData) {
    static std::atomic<unsigned long> got{0};
    tasklet_struct t;
    tasklet_init(
        &t, [](unsigned long data) { got = data; }, 42);
    tasklet_schedule(&t);
    tasklet_kill(&t);
    EXPECT_EQ(got.load(), 42ul);
}

} // namespace
} // namespace lkmfs::kernel::sync_test
