// Reader-writer semaphores (<linux/rwsem.h>). One state word: the writer bit, the number
// of writers waiting and the number of readers. Everyone who must wait sleeps on that
// word as a futex; each release that could let a sleeper in wakes them all to re-check.
#include "atomic_context.h"
#include "lockdep.h"
#include "might_sleep.h"
#include "sleep.h"

#include <linux/errno.h>
#include <linux/rwsem.h>

#include <climits>

using namespace lkmfs::kernel;

namespace {

constexpr unsigned int kWriter = 1u << 31;
constexpr unsigned int kWaitingWriter = 1u << 16;
constexpr unsigned int kWaitingMask = 0x7fffu << 16;
constexpr unsigned int kReaderMask = 0xffffu;

void wake_sleepers(struct rw_semaphore *sem) {
    if (__atomic_load_n(&sem->sleepers, __ATOMIC_SEQ_CST) != 0)
        futex_wake(&sem->state, INT_MAX);
}

// Sleeps while the state is still `seen`.
Wakeup sleep_on(struct rw_semaphore *sem, unsigned int seen, SleepMode mode) {
    __atomic_fetch_add(&sem->sleepers, 1u, __ATOMIC_SEQ_CST);
    Wakeup w = futex_sleep(&sem->state, seen, mode, std::nullopt);
    __atomic_fetch_sub(&sem->sleepers, 1u, __ATOMIC_SEQ_CST);
    return w;
}

bool read_try(struct rw_semaphore *sem, unsigned int *seen) {
    unsigned int s = __atomic_load_n(&sem->state, __ATOMIC_SEQ_CST);
    // A waiting writer holds off new readers, so a stream of readers cannot starve it.
    while ((s & (kWriter | kWaitingMask)) == 0) {
        if (__atomic_compare_exchange_n(&sem->state, &s, s + 1, true, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return true;
    }
    *seen = s;
    return false;
}

int read_acquire(struct rw_semaphore *sem, SleepMode mode, const void *caller,
                 unsigned subclass = 0) {
    LKMFS_MIGHT_SLEEP();
    lockdep_acquire(&sem->dep_map, LockKind::RwsemRead, subclass, caller);
    unsigned int seen = 0;
    while (!read_try(sem, &seen)) {
        if (sleep_on(sem, seen, mode) == Wakeup::Interrupted)
            return -EINTR;
    }
    note_lock_acquired(&sem->dep_map, LockKind::RwsemRead, caller, subclass);
    return 0;
}

// Takes the writer bit if no one holds the rwsem; `registered`: this writer is counted
// among the waiting ones, and leaves their count as it takes the bit.
bool write_try(struct rw_semaphore *sem, bool registered, unsigned int *seen) {
    unsigned int s = __atomic_load_n(&sem->state, __ATOMIC_SEQ_CST);
    while ((s & (kWriter | kReaderMask)) == 0) {
        unsigned int next = (registered ? s - kWaitingWriter : s) | kWriter;
        if (__atomic_compare_exchange_n(&sem->state, &s, next, true, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return true;
    }
    *seen = s;
    return false;
}

int write_acquire(struct rw_semaphore *sem, SleepMode mode, const void *caller,
                  unsigned subclass = 0) {
    LKMFS_MIGHT_SLEEP();
    lockdep_acquire(&sem->dep_map, LockKind::RwsemWrite, subclass, caller);
    unsigned int seen = 0;
    if (!write_try(sem, false, &seen)) {
        seen = __atomic_add_fetch(&sem->state, kWaitingWriter, __ATOMIC_SEQ_CST);
        while (!write_try(sem, true, &seen)) {
            if (sleep_on(sem, seen, mode) == Wakeup::Interrupted) {
                __atomic_fetch_sub(&sem->state, kWaitingWriter, __ATOMIC_SEQ_CST);
                wake_sleepers(sem); // readers held off by us may go on
                return -EINTR;
            }
        }
    }
    __atomic_store_n(&sem->owner, current_tid(), __ATOMIC_RELAXED);
    note_lock_acquired(&sem->dep_map, LockKind::RwsemWrite, caller, subclass);
    return 0;
}

} // namespace

extern "C" void __init_rwsem(struct rw_semaphore *sem, const char *name,
                             struct lock_class_key *key) {
    *sem = rw_semaphore{0, 0, 0, lockdep_map{name, key}};
}

extern "C" void down_read(struct rw_semaphore *sem) {
    read_acquire(sem, SleepMode::Uninterruptible, __builtin_return_address(0));
}

extern "C" int down_read_interruptible(struct rw_semaphore *sem) {
    return read_acquire(sem, SleepMode::Interruptible, __builtin_return_address(0));
}

extern "C" int down_read_killable(struct rw_semaphore *sem) {
    return read_acquire(sem, SleepMode::Interruptible, __builtin_return_address(0));
}

extern "C" void down_read_nested(struct rw_semaphore *sem, int subclass) {
    read_acquire(sem, SleepMode::Uninterruptible, __builtin_return_address(0),
                 static_cast<unsigned>(subclass));
}

extern "C" void down_write_nested(struct rw_semaphore *sem, int subclass) {
    write_acquire(sem, SleepMode::Uninterruptible, __builtin_return_address(0),
                  static_cast<unsigned>(subclass));
}

extern "C" int down_read_trylock(struct rw_semaphore *sem) {
    unsigned int seen = 0;
    if (!read_try(sem, &seen))
        return 0;
    note_lock_acquired(&sem->dep_map, LockKind::RwsemRead, __builtin_return_address(0), 0, true);
    return 1;
}

extern "C" void up_read(struct rw_semaphore *sem) {
    note_lock_released(&sem->dep_map);
    unsigned int s = __atomic_sub_fetch(&sem->state, 1u, __ATOMIC_SEQ_CST);
    if ((s & kReaderMask) == 0)
        wake_sleepers(sem);
}

extern "C" void down_write(struct rw_semaphore *sem) {
    write_acquire(sem, SleepMode::Uninterruptible, __builtin_return_address(0));
}

extern "C" int down_write_killable(struct rw_semaphore *sem) {
    return write_acquire(sem, SleepMode::Interruptible, __builtin_return_address(0));
}

extern "C" int down_write_trylock(struct rw_semaphore *sem) {
    unsigned int seen = 0;
    if (!write_try(sem, false, &seen))
        return 0;
    __atomic_store_n(&sem->owner, current_tid(), __ATOMIC_RELAXED);
    note_lock_acquired(&sem->dep_map, LockKind::RwsemWrite, __builtin_return_address(0), 0, true);
    return 1;
}

extern "C" void up_write(struct rw_semaphore *sem) {
    note_lock_released(&sem->dep_map);
    __atomic_store_n(&sem->owner, 0, __ATOMIC_RELAXED);
    __atomic_fetch_and(&sem->state, ~kWriter, __ATOMIC_SEQ_CST);
    wake_sleepers(sem);
}

// The writer becomes a reader without letting another writer in between.
extern "C" void downgrade_write(struct rw_semaphore *sem) {
    note_lock_released(&sem->dep_map);
    __atomic_store_n(&sem->owner, 0, __ATOMIC_RELAXED);
    unsigned int s = __atomic_load_n(&sem->state, __ATOMIC_SEQ_CST);
    while (!__atomic_compare_exchange_n(&sem->state, &s, (s & ~kWriter) + 1, true, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
    }
    note_lock_acquired(&sem->dep_map, LockKind::RwsemRead, __builtin_return_address(0));
    wake_sleepers(sem);
}

extern "C" int rwsem_is_locked(struct rw_semaphore *sem) {
    return (__atomic_load_n(&sem->state, __ATOMIC_RELAXED) & (kWriter | kReaderMask)) != 0;
}
