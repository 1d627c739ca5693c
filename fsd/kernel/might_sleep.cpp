#include "might_sleep.h"

#include "debug_checks.h"
#include "lock_report.h"
#include "oops_report.h"
#include "taint.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>

#include <linux/kernel.h>
#include <linux/printk.h>

namespace lkmfs::kernel {

namespace {

// Linux prints one report a second (a sleeping call in a loop would flood the log).
class RateLimit {
  public:
    bool allow() {
        auto now = std::chrono::steady_clock::now().time_since_epoch().count();
        auto last = last_.load(std::memory_order_relaxed);
        if (last != 0 && now - last < kInterval)
            return false;
        return last_.compare_exchange_strong(last, now, std::memory_order_relaxed);
    }
    void reset() { last_.store(0, std::memory_order_relaxed); }

  private:
    static constexpr auto kInterval =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::seconds(1))
            .count();
    std::atomic<std::chrono::steady_clock::rep> last_{0};
};

RateLimit g_might_sleep_limit;
RateLimit g_schedule_limit;

// The daemon's own sources are named from the repository's root ("fsd/kernel/mutex.cpp").
const char *source_name(const char *file) {
    const char *fsd = std::strstr(file, "/fsd/");
    return fsd != nullptr ? fsd + 1 : file;
}

// Where preemption was disabled: the most recent spin lock the thread took.
void print_preempt_disable_ip() {
    std::span<const HeldLock> held = held_locks();
    for (auto it = held.rbegin(); it != held.rend(); ++it) {
        if (it->kind == LockKind::Spin || it->kind == LockKind::RwlockRead ||
            it->kind == LockKind::RwlockWrite) {
            printk(KERN_ERR "Preemption disabled at:\n");
            printk(KERN_ERR "%s\n", ip_sym(it->acquired_at).c_str());
            return;
        }
    }
}

} // namespace

void report_might_sleep(const char *file, int line) {
    if (!might_sleep_enabled() || !g_might_sleep_limit.allow())
        return;
    const AtomicContext &ctx = atomic_context();
    int preempt = ctx.preempt_count;
    bool irqs_off = ctx.irqs_disabled;
    std::vector<std::uintptr_t> stack = capture_report_stack();
    TaskIdentity task = current_identity();
    {
        std::lock_guard lock(report_mutex());
        printk(KERN_ERR "BUG: sleeping function called from invalid context at %s:%d\n",
               source_name(file), line);
        printk(KERN_ERR "in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %ld, name: %s\n",
               preempt != 0 ? 1 : 0, irqs_off ? 1 : 0, task.pid, task.comm.c_str());
        printk(KERN_ERR "preempt_count: %x, expected: 0\n", static_cast<unsigned>(preempt));
        printk(KERN_ERR "RCU nest depth: 0, expected: 0\n");
        print_held_locks(KERN_ERR, task);
        if (preempt != 0)
            print_preempt_disable_ip();
        dump_stack_report(KERN_ERR, stack, task);
    }
    add_taint(kTaintWarn);
}

void schedule_debug_check() {
    const AtomicContext &ctx = atomic_context();
    if (ctx.preempt_count == 0) {
        if (ctx.irqs_disabled)
            report_might_sleep(__FILE__, __LINE__);
        return;
    }
    if (!might_sleep_enabled() || !g_schedule_limit.allow())
        return;
    // schedule() disables preemption itself before it checks: Linux prints one more.
    unsigned count = static_cast<unsigned>(ctx.preempt_count) + 1;
    std::vector<std::uintptr_t> stack = capture_report_stack();
    TaskIdentity task = current_identity();
    {
        std::lock_guard lock(report_mutex());
        printk(KERN_ERR "BUG: scheduling while atomic: %s/%ld/0x%08x\n", task.comm.c_str(),
               task.pid, count);
        print_held_locks(KERN_ERR, task);
        printk(KERN_ERR "%s\n", modules_linked_in().c_str());
        print_preempt_disable_ip();
        dump_stack_report(KERN_ERR, stack, task);
    }
    add_taint(kTaintWarn);
}

void reset_might_sleep_ratelimit_for_testing() {
    g_might_sleep_limit.reset();
    g_schedule_limit.reset();
}

} // namespace lkmfs::kernel

// might_sleep() in module code (and the wait_event family): the module's file and line.
extern "C" void __might_sleep(const char *file, int line) {
    lkmfs::kernel::might_sleep_check(file, line);
}
