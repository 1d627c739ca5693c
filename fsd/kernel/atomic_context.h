// The "atomic context" of each thread, as Linux keeps it per CPU and task: the preempt
// count (spin locks, preempt_disable, bottom halves, softirq-like callbacks), whether
// "interrupts" are disabled, and the locks the thread holds. Nothing here changes how the
// host schedules threads; it is what the debug checks (might_sleep, lockdep) read.
#pragma once

#include <sys/types.h>

#include <span>
#include <vector>

#include <linux/lockdep.h>

namespace lkmfs::kernel {

enum class LockKind { Spin, RwlockRead, RwlockWrite, Mutex, RwsemRead, RwsemWrite };

struct HeldLock {
    const lockdep_map *map;
    LockKind kind;
    const void *acquired_at; // return address in the caller of the lock function
    unsigned subclass = 0;   // spin_lock_nested() & co.: a separate lock class
    bool trylock = false;    // taken by a trylock (which cannot deadlock)
    // The context of the acquisition, for lockdep's usage column "{+.+.}".
    bool irqs_enabled = true;
    bool in_softirq = false;
    bool softirqs_enabled = true;
};

struct AtomicContext {
    int preempt_count = 0;
    bool irqs_disabled = false;
    std::vector<HeldLock> held; // in acquisition order
};

// This thread's context.
AtomicContext &atomic_context();

// Whether sleeping is forbidden here: preemption or interrupts disabled (in_atomic() ||
// irqs_disabled(), what might_sleep() checks).
bool in_atomic_context();

// An acquisition of `map`'s lock by this thread now, in its current context.
HeldLock describe_acquisition(const lockdep_map *map, LockKind kind, const void *acquired_at,
                              unsigned subclass = 0, bool trylock = false);

// Records that this thread took / released the lock `map` belongs to.
void note_lock_acquired(const lockdep_map *map, LockKind kind, const void *acquired_at,
                        unsigned subclass = 0, bool trylock = false);
void note_lock_released(const lockdep_map *map);
// Records that thread `owner` no longer holds `map`'s lock: another thread released it (a
// mutex unlocked by the wrong thread). The owner drops it from its list on its next lock
// operation, so later checks do not see a lock it no longer holds.
void note_lock_released_by_other(pid_t owner, const lockdep_map *map);
std::span<const HeldLock> held_locks();

// The host thread id, cached: lock owners are recorded as thread ids.
pid_t current_tid();

// Runs the enclosed code as a softirq (timer callbacks, tasklets): in_softirq(),
// in_interrupt() and in_atomic() are true within the scope.
class SoftirqScope {
  public:
    SoftirqScope();
    ~SoftirqScope();
    SoftirqScope(const SoftirqScope &) = delete;
    SoftirqScope &operator=(const SoftirqScope &) = delete;
};

} // namespace lkmfs::kernel
