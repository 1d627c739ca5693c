// Counting semaphores (<linux/semaphore.h>): down() takes one from the count, sleeping on
// the count as a futex while it is zero; up() adds one and wakes one sleeper.
#include "might_sleep.h"
#include "sleep.h"

#include <linux/errno.h>
#include <linux/semaphore.h>

using namespace lkmfs::kernel;

namespace {

bool try_take(struct semaphore *sem) {
    unsigned int c = __atomic_load_n(&sem->count, __ATOMIC_RELAXED);
    while (c > 0) {
        if (__atomic_compare_exchange_n(&sem->count, &c, c - 1, true, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return true;
    }
    return false;
}

// 0 once taken; else why the wait ended.
int take(struct semaphore *sem, SleepMode mode, const Deadline &deadline) {
    while (!try_take(sem)) {
        // Announce the sleep before the futex checks the count: up() either sees us or
        // changes the count first (both sequentially consistent).
        __atomic_fetch_add(&sem->sleepers, 1u, __ATOMIC_SEQ_CST);
        Wakeup w = futex_sleep(&sem->count, 0, mode, deadline);
        __atomic_fetch_sub(&sem->sleepers, 1u, __ATOMIC_SEQ_CST);
        if (w == Wakeup::Woken)
            continue;
        if (try_take(sem))
            return 0;
        // An up() may have woken us rather than another sleeper: pass it on.
        if (__atomic_load_n(&sem->count, __ATOMIC_SEQ_CST) > 0)
            futex_wake(&sem->count, 1);
        return w == Wakeup::Interrupted ? -EINTR : -ETIME;
    }
    return 0;
}

} // namespace

// Semaphores are not lock classes for lockdep (as in Linux: any thread may up() them), but
// down() sleeps.
extern "C" void down(struct semaphore *sem) {
    LKMFS_MIGHT_SLEEP();
    take(sem, SleepMode::Uninterruptible, std::nullopt);
}

extern "C" int down_interruptible(struct semaphore *sem) {
    LKMFS_MIGHT_SLEEP();
    return take(sem, SleepMode::Interruptible, std::nullopt);
}

extern "C" int down_killable(struct semaphore *sem) {
    LKMFS_MIGHT_SLEEP();
    return take(sem, SleepMode::Interruptible, std::nullopt);
}

// As in Linux, 0 means taken and 1 not (the opposite of mutex_trylock).
extern "C" int down_trylock(struct semaphore *sem) {
    return try_take(sem) ? 0 : 1;
}

extern "C" int down_timeout(struct semaphore *sem, long jiffies) {
    LKMFS_MIGHT_SLEEP();
    return take(sem, SleepMode::Uninterruptible, deadline_after_jiffies(jiffies));
}

extern "C" void up(struct semaphore *sem) {
    __atomic_fetch_add(&sem->count, 1u, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&sem->sleepers, __ATOMIC_SEQ_CST) != 0)
        futex_wake(&sem->count, 1);
}
