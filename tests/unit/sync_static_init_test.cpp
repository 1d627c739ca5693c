// The static initialisers of every lock type work at file scope in C++ (here) and in C
// (sync_static_init_c.c), and give usable, unlocked objects.
#include "sync_static_init.h"
#include "sync_test_support.h"

#include <cstring>

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/semaphore.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

namespace {

DEFINE_SPINLOCK(cxx_spin);
spinlock_t cxx_spin_seed = SPIN_LOCK_UNLOCKED;
DEFINE_RWLOCK(cxx_rw);
rwlock_t cxx_rw_seed = RW_LOCK_UNLOCKED;
DEFINE_MUTEX(cxx_mutex);
DEFINE_SEMAPHORE(cxx_sem);
DECLARE_SEMAPHORE_GENERIC(cxx_sem11, 11);
DECLARE_RWSEM(cxx_rwsem);
DECLARE_WAIT_QUEUE_HEAD(cxx_wq);
DECLARE_COMPLETION(cxx_done);
atomic_t cxx_atomic = ATOMIC_INIT(42);

TEST(SyncStaticInitTest, CxxFileScopeObjectsWork) {
    unsigned long flags;
    spin_lock(&cxx_spin);
    spin_unlock(&cxx_spin);
    spin_lock_irqsave(&cxx_spin_seed, flags);
    spin_unlock_irqrestore(&cxx_spin_seed, flags);
    read_lock(&cxx_rw);
    read_unlock(&cxx_rw);
    write_lock(&cxx_rw_seed);
    write_unlock(&cxx_rw_seed);
    EXPECT_EQ(mutex_trylock(&cxx_mutex), 1);
    mutex_unlock(&cxx_mutex);
    EXPECT_EQ(down_trylock(&cxx_sem), 0);
    EXPECT_EQ(down_trylock(&cxx_sem), 1);
    up(&cxx_sem);
    EXPECT_EQ(cxx_sem11.count, 11u);
    down_read(&cxx_rwsem);
    up_read(&cxx_rwsem);
    EXPECT_FALSE(waitqueue_active(&cxx_wq));
    wait_event(cxx_wq, atomic_read(&cxx_atomic) == 42);
    complete(&cxx_done);
    wait_for_completion(&cxx_done);
    EXPECT_STREQ(cxx_spin.dep_map.name, "cxx_spin");
    EXPECT_EQ(preempt_count(), 0);
}

TEST(SyncStaticInitTest, CFileScopeObjectsWork) {
    EXPECT_EQ(c_static_initialisers_work(), 1);
}

} // namespace
