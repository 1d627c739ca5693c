// Per-thread preempt count, interrupt state and held locks, and their C API
// (<linux/preempt.h>, <linux/irqflags.h>, <linux/lockdep.h>).
#include "atomic_context.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/sched.h>

namespace lkmfs::kernel {

AtomicContext &atomic_context() {
    thread_local AtomicContext context;
    return context;
}

bool in_atomic_context() {
    const AtomicContext &ctx = atomic_context();
    return ctx.preempt_count != 0 || ctx.irqs_disabled;
}

void note_lock_acquired(const lockdep_map *map, LockKind kind, const void *acquired_at) {
    atomic_context().held.push_back(HeldLock{map, kind, acquired_at});
}

void note_lock_released(const lockdep_map *map) {
    // Locks may be released in any order: drop the most recent acquisition of this one.
    auto &held = atomic_context().held;
    auto it =
        std::find_if(held.rbegin(), held.rend(), [map](const HeldLock &h) { return h.map == map; });
    if (it != held.rend())
        held.erase(std::next(it).base());
}

std::span<const HeldLock> held_locks() {
    return atomic_context().held;
}

pid_t current_tid() {
    thread_local pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
    return tid;
}

SoftirqScope::SoftirqScope() {
    atomic_context().preempt_count += static_cast<int>(SOFTIRQ_OFFSET);
}

SoftirqScope::~SoftirqScope() {
    atomic_context().preempt_count -= static_cast<int>(SOFTIRQ_OFFSET);
}

} // namespace lkmfs::kernel

using lkmfs::kernel::atomic_context;

extern "C" int preempt_count(void) {
    return atomic_context().preempt_count;
}

extern "C" void preempt_count_add(int val) {
    atomic_context().preempt_count += val;
}

extern "C" void preempt_count_sub(int val) {
    atomic_context().preempt_count -= val;
}

extern "C" unsigned long arch_local_save_flags(void) {
    return atomic_context().irqs_disabled ? 0 : X86_EFLAGS_IF;
}

extern "C" unsigned long arch_local_irq_save(void) {
    unsigned long flags = arch_local_save_flags();
    atomic_context().irqs_disabled = true;
    return flags;
}

extern "C" void arch_local_irq_restore(unsigned long flags) {
    atomic_context().irqs_disabled = arch_irqs_disabled_flags(flags) != 0;
}

extern "C" void arch_local_irq_disable(void) {
    atomic_context().irqs_disabled = true;
}

extern "C" void arch_local_irq_enable(void) {
    atomic_context().irqs_disabled = false;
}

extern "C" int lock_is_held(const struct lockdep_map *map) {
    const auto &held = atomic_context().held;
    return std::any_of(held.begin(), held.end(),
                       [map](const lkmfs::kernel::HeldLock &h) { return h.map == map; })
               ? 1
               : 0;
}

extern "C" void lockdep_assert_held_failed(const struct lockdep_map *map, const char *file,
                                           int line) {
    struct task_struct *task = get_current();
    _printk(KERN_WARNING "WARNING: CPU: 0 PID: %d at %s:%d lockdep_assert_held(%s) failed\n",
            static_cast<int>(task->pid), file, line, map->name != nullptr ? map->name : "?");
}
