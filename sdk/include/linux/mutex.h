/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sleeping mutual exclusion, as <linux/mutex.h>. A contended mutex_lock() puts the thread
 * to sleep (a futex on the lock word) until the holder unlocks; the _interruptible and
 * _killable forms return -EINTR when the caller is signalled (Ctrl-C on the process whose
 * request the handler serves) or the daemon shuts down. The holder's thread id is kept for
 * the debug checks (a mutex must be released by the thread that took it).
 */
#ifndef _LKMFS_LINUX_MUTEX_H
#define _LKMFS_LINUX_MUTEX_H

#include <linux/types.h>
#include <linux/lockdep.h>
#include <lkmfs/kapi.h>

struct mutex {
    unsigned int state; /* 0 unlocked, 1 locked, 2 locked and maybe contended */
    int owner;          /* thread id of the holder, 0 if none */
    struct lockdep_map dep_map;
};

#define __MUTEX_INITIALIZER(lockname)                                                              \
    { 0, 0, __LKMFS_DEP_MAP_INIT(lockname) }
#define DEFINE_MUTEX(mutexname) struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)

KAPI_BEGIN
void __mutex_init(struct mutex *lock, const char *name, struct lock_class_key *key);
void mutex_lock(struct mutex *lock);
int __must_check mutex_lock_interruptible(struct mutex *lock);
int __must_check mutex_lock_killable(struct mutex *lock);
int mutex_trylock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);
bool mutex_is_locked(struct mutex *lock);
void mutex_destroy(struct mutex *lock);
/* Nested locking of one class: `subclass` makes it a class of its own for lockdep. */
void mutex_lock_nested(struct mutex *lock, unsigned int subclass);
int __must_check mutex_lock_interruptible_nested(struct mutex *lock, unsigned int subclass);
int __must_check mutex_lock_killable_nested(struct mutex *lock, unsigned int subclass);
KAPI_END

#define mutex_init(mutex)                                                                          \
    do {                                                                                           \
        static struct lock_class_key __key;                                                        \
        __mutex_init((mutex), #mutex, &__key);                                                     \
    } while (0)
#define mutex_lock_io(lock) mutex_lock(lock)

#endif
