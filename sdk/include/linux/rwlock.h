/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reader-writer spin locks, as <linux/rwlock.h> (included by <linux/spinlock.h>). Many
 * readers or one writer; both sides spin. A waiting writer holds off new readers, except
 * readers in interrupt (softirq) context, as with Linux's queued rwlocks: a reader that
 * takes the lock again in process context while a writer waits deadlocks there as here.
 */
#ifndef _LKMFS_LINUX_RWLOCK_H
#define _LKMFS_LINUX_RWLOCK_H

#include <linux/spinlock_types.h>
#include <linux/irqflags.h>
#include <lkmfs/kapi.h>

KAPI_BEGIN
void __rwlock_init(rwlock_t *lock, const char *name, struct lock_class_key *key);
void read_lock(rwlock_t *lock);
void read_unlock(rwlock_t *lock);
int read_trylock(rwlock_t *lock);
void write_lock(rwlock_t *lock);
void write_lock_nested(rwlock_t *lock, int subclass);
void write_unlock(rwlock_t *lock);
int write_trylock(rwlock_t *lock);
void read_lock_irq(rwlock_t *lock);
void read_unlock_irq(rwlock_t *lock);
void write_lock_irq(rwlock_t *lock);
void write_unlock_irq(rwlock_t *lock);
unsigned long _raw_read_lock_irqsave(rwlock_t *lock);
unsigned long _raw_write_lock_irqsave(rwlock_t *lock);
void read_unlock_irqrestore(rwlock_t *lock, unsigned long flags);
void write_unlock_irqrestore(rwlock_t *lock, unsigned long flags);
void read_lock_bh(rwlock_t *lock);
void read_unlock_bh(rwlock_t *lock);
void write_lock_bh(rwlock_t *lock);
void write_unlock_bh(rwlock_t *lock);
KAPI_END

#define rwlock_init(lock)                                                                          \
    do {                                                                                           \
        static struct lock_class_key __key;                                                        \
        __rwlock_init((lock), #lock, &__key);                                                      \
    } while (0)
#define read_lock_irqsave(lock, flags)                                                             \
    do {                                                                                           \
        (flags) = _raw_read_lock_irqsave(lock);                                                    \
    } while (0)
#define write_lock_irqsave(lock, flags)                                                            \
    do {                                                                                           \
        (flags) = _raw_write_lock_irqsave(lock);                                                   \
    } while (0)

#endif
