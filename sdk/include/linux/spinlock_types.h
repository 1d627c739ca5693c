/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Spin lock types and their static initialisers, as <linux/spinlock_types.h>. Plain data
 * (a lock word, the holder's thread id for the debug checks, the lockdep identity), so
 * DEFINE_SPINLOCK and DEFINE_RWLOCK work at file scope in C and C++.
 */
#ifndef _LKMFS_LINUX_SPINLOCK_TYPES_H
#define _LKMFS_LINUX_SPINLOCK_TYPES_H

#include <linux/types.h>
#include <linux/lockdep.h>

typedef struct spinlock {
    unsigned int locked; /* 0 free, 1 held */
    int owner;           /* thread id of the holder, 0 if none */
    struct lockdep_map dep_map;
} spinlock_t;

/* One kind of spin lock here: Linux's raw_spinlock_t differs only under PREEMPT_RT. */
typedef spinlock_t raw_spinlock_t;

#define __SPIN_LOCK_UNLOCKED(lockname)                                                             \
    { 0, 0, __LKMFS_DEP_MAP_INIT(lockname) }
#define __RAW_SPIN_LOCK_UNLOCKED(lockname) __SPIN_LOCK_UNLOCKED(lockname)
/* The pre-2.6.19 initialiser the seeds still teach (removed from Linux since). */
#define SPIN_LOCK_UNLOCKED __SPIN_LOCK_UNLOCKED(SPIN_LOCK_UNLOCKED)
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_RAW_SPINLOCK(x) raw_spinlock_t x = __RAW_SPIN_LOCK_UNLOCKED(x)

typedef struct {
    unsigned int cnt; /* readers in bits 0-29; bit 30: a writer waits; bit 31: writer holds */
    int owner;        /* thread id of the writer, 0 if none */
    struct lockdep_map dep_map;
} rwlock_t;

#define __RW_LOCK_UNLOCKED(lockname)                                                               \
    { 0, 0, __LKMFS_DEP_MAP_INIT(lockname) }
#define RW_LOCK_UNLOCKED __RW_LOCK_UNLOCKED(RW_LOCK_UNLOCKED)
#define DEFINE_RWLOCK(x) rwlock_t x = __RW_LOCK_UNLOCKED(x)

#endif
