/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting semaphores, as <linux/semaphore.h>. down() sleeps (a futex on the count) while
 * the count is zero; up() may be called by any thread. down_interruptible() and
 * down_killable() return -EINTR when the caller is signalled, down_timeout() -ETIME.
 */
#ifndef _LKMFS_LINUX_SEMAPHORE_H
#define _LKMFS_LINUX_SEMAPHORE_H

#include <linux/types.h>
#include <lkmfs/kapi.h>

struct semaphore {
    unsigned int count;
    unsigned int sleepers; /* threads that may be asleep in down() */
};

#define __SEMAPHORE_INITIALIZER(name, n)                                                           \
    { (n), 0 }
/* A binary semaphore (count 1), as in Linux 6.1. */
#define DEFINE_SEMAPHORE(name) struct semaphore name = __SEMAPHORE_INITIALIZER(name, 1)
/* The older spelling the seeds use, with an explicit count. */
#define DECLARE_SEMAPHORE_GENERIC(name, count)                                                     \
    struct semaphore name = __SEMAPHORE_INITIALIZER(name, count)

static inline void sema_init(struct semaphore *sem, int val) {
    sem->count = (unsigned int)val;
    sem->sleepers = 0;
}

KAPI_BEGIN
void down(struct semaphore *sem);
int __must_check down_interruptible(struct semaphore *sem);
int __must_check down_killable(struct semaphore *sem);
int __must_check down_trylock(struct semaphore *sem);
int __must_check down_timeout(struct semaphore *sem, long jiffies);
void up(struct semaphore *sem);
KAPI_END

#endif
