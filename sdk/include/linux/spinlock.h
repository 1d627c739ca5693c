/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Spin locks, as <linux/spinlock.h>. They really spin (with a pause, then yielding the
 * host CPU) and never sleep. Taking one disables preemption for this thread, the _irq
 * forms also "disable interrupts", the _bh forms bottom halves: the atomic context the
 * debug checks read (<linux/preempt.h>, <linux/irqflags.h>).
 */
#ifndef _LKMFS_LINUX_SPINLOCK_H
#define _LKMFS_LINUX_SPINLOCK_H

#include <linux/types.h>
#include <linux/spinlock_types.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <linux/bottom_half.h>
#include <linux/lockdep.h>
#include <lkmfs/kapi.h>

KAPI_BEGIN
void __raw_spin_lock_init(spinlock_t *lock, const char *name, struct lock_class_key *key);
void spin_lock(spinlock_t *lock);
/* Nested locking of one class: `subclass` makes it a class of its own for lockdep. */
void spin_lock_nested(spinlock_t *lock, int subclass);
unsigned long _raw_spin_lock_irqsave_nested(spinlock_t *lock, int subclass);
void spin_unlock(spinlock_t *lock);
int spin_trylock(spinlock_t *lock);
void spin_lock_irq(spinlock_t *lock);
void spin_unlock_irq(spinlock_t *lock);
unsigned long _raw_spin_lock_irqsave(spinlock_t *lock);
void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
void spin_lock_bh(spinlock_t *lock);
void spin_unlock_bh(spinlock_t *lock);
int spin_trylock_bh(spinlock_t *lock);
int spin_is_locked(spinlock_t *lock);
KAPI_END

#define spin_lock_init(lock)                                                                       \
    do {                                                                                           \
        static struct lock_class_key __key;                                                        \
        __raw_spin_lock_init((lock), #lock, &__key);                                               \
    } while (0)
#define raw_spin_lock_init(lock) spin_lock_init(lock)

#define spin_lock_irqsave(lock, flags)                                                             \
    do {                                                                                           \
        (flags) = _raw_spin_lock_irqsave(lock);                                                    \
    } while (0)
#define spin_lock_irqsave_nested(lock, flags, subclass)                                            \
    do {                                                                                           \
        (flags) = _raw_spin_lock_irqsave_nested(lock, subclass);                                   \
    } while (0)
#define spin_trylock_irqsave(lock, flags)                                                          \
    __extension__({                                                                                \
        int __locked;                                                                              \
        (flags) = arch_local_irq_save();                                                           \
        __locked = spin_trylock(lock);                                                             \
        if (!__locked)                                                                             \
            arch_local_irq_restore(flags);                                                         \
        __locked;                                                                                  \
    })
#define spin_trylock_irq(lock)                                                                     \
    __extension__({                                                                                \
        int __locked;                                                                              \
        arch_local_irq_disable();                                                                  \
        __locked = spin_trylock(lock);                                                             \
        if (!__locked)                                                                             \
            arch_local_irq_enable();                                                               \
        __locked;                                                                                  \
    })
#define spin_is_contended(lock) ((void)(lock), 0)
#define assert_spin_locked(lock) lockdep_assert_held(lock)

#define raw_spin_lock(lock) spin_lock(lock)
#define raw_spin_unlock(lock) spin_unlock(lock)
#define raw_spin_trylock(lock) spin_trylock(lock)
#define raw_spin_lock_irq(lock) spin_lock_irq(lock)
#define raw_spin_unlock_irq(lock) spin_unlock_irq(lock)
#define raw_spin_lock_irqsave(lock, flags) spin_lock_irqsave(lock, flags)
#define raw_spin_unlock_irqrestore(lock, flags) spin_unlock_irqrestore(lock, flags)
#define raw_spin_is_locked(lock) spin_is_locked(lock)

#include <linux/rwlock.h>

#endif
