// Sleeping in atomic context (fsd/kernel/might_sleep.cpp): a function that may sleep,
// called under a spin lock, with interrupts or preemption disabled, or in a softirq, is
// reported as Linux's "BUG: sleeping function called from invalid context"; schedule()
// (msleep) as "BUG: scheduling while atomic"; at most one report a second; nothing is
// reported where sleeping is allowed or when the check is off.
#include "kernel/atomic_context.h"
#include "kernel/debug_checks.h"
#include "kernel/might_sleep.h"
#include "kernel/taint.h"
#include "kernel_log_fixture.h"

#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/mutex.h>
#include <linux/semaphore.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

namespace lkmfs::kernel {
namespace {

constexpr const char *kBug = "BUG: sleeping function called from invalid context at ";

class DebugMightSleepTest : public KernelLogTest {
  protected:
    DebugMightSleepTest() { reset_might_sleep_ratelimit_for_testing(); }
    ~DebugMightSleepTest() override { reset_might_sleep_ratelimit_for_testing(); }

    int count(const std::string &needle) {
        std::string log = log_since_start();
        int n = 0;
        for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
            ++n;
        return n;
    }
};

TEST_F(DebugMightSleepTest, KmallocGfpKernelUnderASpinLock) {
    DEFINE_SPINLOCK(lock);
    spin_lock(&lock);
    void *p = kmalloc(16, GFP_KERNEL);
    spin_unlock(&lock);
    kfree(p);
    std::string log = log_since_start();
    EXPECT_NE(log.find(std::string(kBug) + "fsd/kernel/slab.cpp:"), std::string::npos) << log;
    EXPECT_NE(log.find("in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: "),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("preempt_count: 1, expected: 0\n"), std::string::npos) << log;
    EXPECT_NE(log.find("1 lock held by "), std::string::npos) << log;
    EXPECT_NE(log.find(" #0: "), std::string::npos) << log;
    EXPECT_NE(log.find(" (lock){+.+.}-{2:2}, at: "), std::string::npos) << log;
    EXPECT_NE(log.find("Preemption disabled at:\n[<"), std::string::npos) << log;
    EXPECT_NE(log.find("Call Trace:\n <TASK>\n kmalloc+"), std::string::npos) << log;
    EXPECT_NE(log.find("CPU: 0 PID: "), std::string::npos) << log;
}

TEST_F(DebugMightSleepTest, AtomicAllocationsAreFine) {
    DEFINE_SPINLOCK(lock);
    spin_lock(&lock);
    void *p = kmalloc(16, GFP_ATOMIC);
    void *q = kmalloc(16, GFP_NOWAIT);
    spin_unlock(&lock);
    kfree(p);
    kfree(q);
    void *r = kmalloc(16, GFP_KERNEL); // no lock held
    kfree(r);
    EXPECT_EQ(count(kBug), 0) << log_since_start();
}

TEST_F(DebugMightSleepTest, MutexLockWithInterruptsDisabled) {
    DEFINE_MUTEX(m);
    DEFINE_SPINLOCK(lock);
    unsigned long flags;
    spin_lock_irqsave(&lock, flags);
    mutex_lock(&m);
    mutex_unlock(&m);
    spin_unlock_irqrestore(&lock, flags);
    std::string log = log_since_start();
    EXPECT_NE(log.find(std::string(kBug) + "fsd/kernel/mutex.cpp:"), std::string::npos) << log;
    EXPECT_NE(log.find("in_atomic(): 1, irqs_disabled(): 1, non_block: 0"), std::string::npos)
        << log;
    EXPECT_NE(log.find(" (lock){....}-{2:2}, at: "), std::string::npos) << log;
}

TEST_F(DebugMightSleepTest, InterruptsDisabledAlone) {
    struct semaphore sem;
    sema_init(&sem, 1);
    local_irq_disable();
    down(&sem);
    local_irq_enable();
    up(&sem);
    std::string log = log_since_start();
    EXPECT_NE(log.find(std::string(kBug) + "fsd/kernel/semaphore.cpp:"), std::string::npos) << log;
    EXPECT_NE(log.find("in_atomic(): 0, irqs_disabled(): 1"), std::string::npos) << log;
    EXPECT_NE(log.find("preempt_count: 0, expected: 0"), std::string::npos) << log;
    EXPECT_NE(log.find("no locks held by "), std::string::npos) << log;
}

TEST_F(DebugMightSleepTest, InASoftirq) {
    {
        SoftirqScope softirq; // a timer callback or tasklet
        void *p = vmalloc(64);
        vfree(p);
    }
    std::string log = log_since_start();
    EXPECT_NE(log.find(std::string(kBug) + "fsd/kernel/vmalloc.cpp:"), std::string::npos) << log;
    EXPECT_NE(log.find("preempt_count: 100, expected: 0"), std::string::npos) << log;
}

TEST_F(DebugMightSleepTest, WaitEventNamesTheCallersLine) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    DEFINE_SPINLOCK(lock);
    spin_lock(&lock);
    wait_event(wq, true); // does not sleep, but might have
    spin_unlock(&lock);
    std::string log = log_since_start();
    EXPECT_NE(log.find(std::string(kBug) + __FILE__ + ":"), std::string::npos) << log;
}

TEST_F(DebugMightSleepTest, MsleepIsSchedulingWhileAtomic) {
    DEFINE_SPINLOCK(lock);
    spin_lock(&lock);
    msleep(1);
    spin_unlock(&lock);
    std::string log = log_since_start();
    EXPECT_NE(log.find("BUG: scheduling while atomic: "), std::string::npos) << log;
    EXPECT_NE(log.find("/0x00000002\n"), std::string::npos) << log;
    EXPECT_NE(log.find("Modules linked in:"), std::string::npos) << log;
    EXPECT_NE(log.find("Call Trace:\n <TASK>\n schedule_timeout+"), std::string::npos) << log;
}

TEST_F(DebugMightSleepTest, AtMostOneReportASecond) {
    DEFINE_SPINLOCK(lock);
    spin_lock(&lock);
    for (int i = 0; i < 5; ++i)
        kfree(kmalloc(8, GFP_KERNEL));
    spin_unlock(&lock);
    EXPECT_EQ(count(kBug), 1) << log_since_start();
}

TEST_F(DebugMightSleepTest, ReportsTaintWarn) {
    reset_taint_for_testing();
    DEFINE_SPINLOCK(lock);
    spin_lock(&lock);
    kfree(kmalloc(8, GFP_KERNEL));
    spin_unlock(&lock);
    EXPECT_TRUE(test_taint(kTaintWarn));
}

TEST_F(DebugMightSleepTest, SwitchedOffNothingIsReported) {
    set_debug_checks({true, false, true});
    DEFINE_SPINLOCK(lock);
    spin_lock(&lock);
    kfree(kmalloc(8, GFP_KERNEL));
    spin_unlock(&lock);
    EXPECT_EQ(count(kBug), 0) << log_since_start();
}

} // namespace
} // namespace lkmfs::kernel
