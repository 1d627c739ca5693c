// Sleeping mutexes (<linux/mutex.h>): the lock word is 0 (free), 1 (held) or 2 (held, and
// threads may sleep on it); waiters sleep on the word as a futex, and an unlock that finds
// 2 wakes one of them.
#include "atomic_context.h"
#include "sleep.h"

#include <linux/errno.h>
#include <linux/mutex.h>

using namespace lkmfs::kernel;

namespace {

constexpr unsigned int kFree = 0;
constexpr unsigned int kHeld = 1;
constexpr unsigned int kContended = 2;

// Returns 0 once the mutex is held, -EINTR if an interruptible wait was interrupted.
int acquire(struct mutex *lock, SleepMode mode, const void *caller) {
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
    note_lock_acquired(&lock->dep_map, LockKind::Mutex, caller);
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

extern "C" int mutex_trylock(struct mutex *lock) {
    unsigned int c = kFree;
    if (!__atomic_compare_exchange_n(&lock->state, &c, kHeld, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return 0;
    __atomic_store_n(&lock->owner, current_tid(), __ATOMIC_RELAXED);
    note_lock_acquired(&lock->dep_map, LockKind::Mutex, __builtin_return_address(0));
    return 1;
}

extern "C" void mutex_unlock(struct mutex *lock) {
    note_lock_released(&lock->dep_map);
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
