// Sleeping mutexes (<linux/mutex.h>): the lock word is 0 (free), 1 (held) or 2 (held, and
// threads may sleep on it); waiters sleep on the word as a futex, and an unlock that finds
// 2 wakes one of them.
#include "atomic_context.h"
#include "debug_checks.h"
#include "lockdep.h"
#include "might_sleep.h"
#include "oops.h"
#include "oops_report.h"
#include "sleep.h"

#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/printk.h>

using namespace lkmfs::kernel;

namespace {

constexpr unsigned int kFree = 0;
constexpr unsigned int kHeld = 1;
constexpr unsigned int kContended = 2;

// A thread taking a mutex it holds sleeps for ever in Linux (lockdep reports it first).
// Here the call ends as after an oops, so the daemon's thread is not lost.
void end_self_deadlock(struct mutex *lock) {
    if (!lock_misuse_enabled() ||
        __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != current_tid() || !in_oops_boundary())
        return;
    TaskIdentity task = current_identity();
    printk(KERN_WARNING "lkmfs: %s[%ld] takes mutex %s it holds and would sleep for ever: "
                        "ending the call\n",
           task.comm.c_str(), task.pid, lock->dep_map.name != nullptr ? lock->dep_map.name : "?");
    oops_unwind();
}

// Returns 0 once the mutex is held, -EINTR if an interruptible wait was interrupted.
int acquire(struct mutex *lock, SleepMode mode, const void *caller, unsigned subclass = 0) {
    LKMFS_MIGHT_SLEEP();
    lockdep_acquire(&lock->dep_map, LockKind::Mutex, subclass, caller);
    end_self_deadlock(lock);
    unsigned int c = kFree;
    if (!__atomic_compare_exchange_n(&lock->state, &c, kHeld, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED)) {
        if (c != kContended)
            c = __atomic_exchange_n(&lock->state, kContended, __ATOMIC_ACQUIRE);
        while (c != kFree) {
            if (futex_sleep(&lock->state, kContended, mode, std::nullopt) == Wakeup::Interrupted) {
                // The unlock's wake-up may have come to us: pass it on.
                futex_wake(&lock->state, 1);
                return -EINTR;
            }
            c = __atomic_exchange_n(&lock->state, kContended, __ATOMIC_ACQUIRE);
        }
    }
    __atomic_store_n(&lock->owner, current_tid(), __ATOMIC_RELAXED);
    note_lock_acquired(&lock->dep_map, LockKind::Mutex, caller, subclass);
    return 0;
}

} // namespace

extern "C" void __mutex_init(struct mutex *lock, const char *name, struct lock_class_key *key) {
    *lock = mutex{kFree, 0, lockdep_map{name, key}};
}

extern "C" void mutex_lock(struct mutex *lock) {
    acquire(lock, SleepMode::Uninterruptible, __builtin_return_address(0));
}

extern "C" int mutex_lock_interruptible(struct mutex *lock) {
    return acquire(lock, SleepMode::Interruptible, __builtin_return_address(0));
}

// Only fatal signals interrupt it; every signal that reaches a request is taken as fatal.
extern "C" int mutex_lock_killable(struct mutex *lock) {
    return acquire(lock, SleepMode::Interruptible, __builtin_return_address(0));
}

extern "C" void mutex_lock_nested(struct mutex *lock, unsigned int subclass) {
    acquire(lock, SleepMode::Uninterruptible, __builtin_return_address(0), subclass);
}

extern "C" int mutex_lock_interruptible_nested(struct mutex *lock, unsigned int subclass) {
    return acquire(lock, SleepMode::Interruptible, __builtin_return_address(0), subclass);
}

extern "C" int mutex_lock_killable_nested(struct mutex *lock, unsigned int subclass) {
    return acquire(lock, SleepMode::Interruptible, __builtin_return_address(0), subclass);
}

extern "C" int mutex_trylock(struct mutex *lock) {
    unsigned int c = kFree;
    if (!__atomic_compare_exchange_n(&lock->state, &c, kHeld, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return 0;
    __atomic_store_n(&lock->owner, current_tid(), __ATOMIC_RELAXED);
    note_lock_acquired(&lock->dep_map, LockKind::Mutex, __builtin_return_address(0), 0, true);
    return 1;
}

extern "C" void mutex_unlock(struct mutex *lock) {
    int owner = __atomic_load_n(&lock->owner, __ATOMIC_RELAXED);
    if (owner != current_tid() && lock_misuse_enabled()) {
        // CONFIG_DEBUG_MUTEXES' check in __mutex_unlock_slowpath(); the unlock goes on.
        __lkmfs_warn("fsd/kernel/mutex.cpp", __LINE__, "mutex_unlock", TAINT_WARN,
                     "DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)\n");
    }
    if (owner != current_tid() && owner != 0)
        note_lock_released_by_other(owner, &lock->dep_map);
    else
        note_lock_released(&lock->dep_map);
    // An unlock too many (reported above): the word must not wrap below free.
    if (__atomic_load_n(&lock->state, __ATOMIC_RELAXED) == kFree)
        return;
    __atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
    if (__atomic_fetch_sub(&lock->state, 1u, __ATOMIC_RELEASE) != kHeld) {
        __atomic_store_n(&lock->state, kFree, __ATOMIC_RELEASE);
        futex_wake(&lock->state, 1);
    }
}

extern "C" bool mutex_is_locked(struct mutex *lock) {
    return __atomic_load_n(&lock->state, __ATOMIC_RELAXED) != kFree;
}

extern "C" void mutex_destroy(struct mutex *) {}
