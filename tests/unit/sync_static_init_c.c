/* File-scope static initialisers compiled as C (gnu11), as a C module uses them. */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/semaphore.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "sync_static_init.h"

static DEFINE_SPINLOCK(c_spin);
static spinlock_t c_spin_seed = SPIN_LOCK_UNLOCKED;
static DEFINE_RWLOCK(c_rw);
static rwlock_t c_rw_seed = RW_LOCK_UNLOCKED;
static DEFINE_MUTEX(c_mutex);
static DEFINE_SEMAPHORE(c_sem);
static DECLARE_SEMAPHORE_GENERIC(c_sem11, 11);
static DECLARE_RWSEM(c_rwsem);
static DECLARE_WAIT_QUEUE_HEAD(c_wq);
static DECLARE_COMPLETION(c_done);
static atomic_t c_atomic = ATOMIC_INIT(42);
static atomic64_t c_atomic64 = ATOMIC64_INIT(-7);

int c_static_initialisers_work(void) {
    unsigned long flags;
    int ok = 1;

    spin_lock(&c_spin);
    spin_unlock(&c_spin);
    spin_lock_irqsave(&c_spin_seed, flags);
    spin_unlock_irqrestore(&c_spin_seed, flags);
    read_lock(&c_rw);
    read_unlock(&c_rw);
    write_lock(&c_rw_seed);
    write_unlock(&c_rw_seed);
    mutex_lock(&c_mutex);
    ok &= mutex_is_locked(&c_mutex);
    mutex_unlock(&c_mutex);
    ok &= down_trylock(&c_sem) == 0;
    ok &= down_trylock(&c_sem) == 1;
    up(&c_sem);
    ok &= c_sem11.count == 11;
    down_write(&c_rwsem);
    up_write(&c_rwsem);
    ok &= !waitqueue_active(&c_wq);
    wake_up(&c_wq);
    wait_event(c_wq, atomic_read(&c_atomic) == 42);
    complete(&c_done);
    wait_for_completion(&c_done);
    ok &= atomic64_read(&c_atomic64) == -7;
    ok &= strcmp(c_mutex.dep_map.name, "c_mutex") == 0;
    ok &= preempt_count() == 0 && !irqs_disabled();
    return ok;
}
