// Per-thread preempt count, interrupt state and held locks, and their C API
// (<linux/preempt.h>, <linux/irqflags.h>, <linux/lockdep.h>).
#include "atomic_context.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

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

namespace {

void drop_most_recent(std::vector<HeldLock> &held, const lockdep_map *map) {
    // Locks may be released in any order: drop the most recent acquisition of this one.
    auto it =
        std::find_if(held.rbegin(), held.rend(), [map](const HeldLock &h) { return h.map == map; });
    if (it != held.rend())
        held.erase(std::next(it).base());
}

// Locks other threads released for their owners (rare: a bug being reported).
struct ForeignReleases {
    std::atomic<std::uint64_t> version{0}; // bumped by every release recorded
    std::mutex mutex;
    std::vector<std::pair<pid_t, const lockdep_map *>> list;
};

ForeignReleases &foreign_releases() {
    static ForeignReleases releases;
    return releases;
}

// Applies the releases other threads made for this one. One relaxed load when nothing
// was recorded since this thread last looked.
void apply_foreign_releases(std::vector<HeldLock> &held) {
    thread_local std::uint64_t seen = 0;
    ForeignReleases &f = foreign_releases();
    if (f.version.load(std::memory_order_acquire) == seen)
        return;
    pid_t self = current_tid();
    std::lock_guard lock(f.mutex);
    std::erase_if(f.list, [&](const auto &release) {
        if (release.first != self)
            return false;
        drop_most_recent(held, release.second);
        return true;
    });
    seen = f.version.load(std::memory_order_relaxed);
}

} // namespace

HeldLock describe_acquisition(const lockdep_map *map, LockKind kind, const void *acquired_at,
                              unsigned subclass, bool trylock) {
    const AtomicContext &ctx = atomic_context();
    HeldLock h{map, kind, acquired_at, subclass, trylock};
    h.irqs_enabled = !ctx.irqs_disabled;
    h.in_softirq = (ctx.preempt_count & static_cast<int>(SOFTIRQ_OFFSET)) != 0;
    h.softirqs_enabled =
        h.irqs_enabled && (ctx.preempt_count & static_cast<int>(SOFTIRQ_MASK)) == 0;
    return h;
}

void note_lock_acquired(const lockdep_map *map, LockKind kind, const void *acquired_at,
                        unsigned subclass, bool trylock) {
    AtomicContext &ctx = atomic_context();
    apply_foreign_releases(ctx.held);
    ctx.held.push_back(describe_acquisition(map, kind, acquired_at, subclass, trylock));
}

void note_lock_released(const lockdep_map *map) {
    drop_most_recent(atomic_context().held, map);
}

void note_lock_released_by_other(pid_t owner, const lockdep_map *map) {
    ForeignReleases &f = foreign_releases();
    std::lock_guard lock(f.mutex);
    f.list.emplace_back(owner, map);
    f.version.fetch_add(1, std::memory_order_release);
}

std::span<const HeldLock> held_locks() {
    auto &held = atomic_context().held;
    apply_foreign_releases(held);
    return held;
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
