/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reader-writer semaphores, as <linux/rwsem.h>: many readers or one writer, both sleeping
 * (a futex on the state word) when they must wait. A waiting writer holds off new readers,
 * so writers do not starve; as in Linux, a reader must not take the rwsem again while it
 * holds it for reading.
 */
#ifndef _LKMFS_LINUX_RWSEM_H
#define _LKMFS_LINUX_RWSEM_H

#include <linux/types.h>
#include <linux/lockdep.h>
#include <lkmfs/kapi.h>

struct rw_semaphore {
    /* bit 31: a writer holds it; bits 16-30: writers waiting; bits 0-15: readers holding */
    unsigned int state;
    unsigned int sleepers; /* threads that may be asleep on it */
    int owner;             /* thread id of the writer, 0 if none */
    struct lockdep_map dep_map;
};

#define __RWSEM_INITIALIZER(name)                                                                  \
    { 0, 0, 0, __LKMFS_DEP_MAP_INIT(name) }
#define DECLARE_RWSEM(name) struct rw_semaphore name = __RWSEM_INITIALIZER(name)

KAPI_BEGIN
void __init_rwsem(struct rw_semaphore *sem, const char *name, struct lock_class_key *key);
void down_read(struct rw_semaphore *sem);
int __must_check down_read_interruptible(struct rw_semaphore *sem);
int __must_check down_read_killable(struct rw_semaphore *sem);
int down_read_trylock(struct rw_semaphore *sem);
void up_read(struct rw_semaphore *sem);
void down_write(struct rw_semaphore *sem);
int __must_check down_write_killable(struct rw_semaphore *sem);
int down_write_trylock(struct rw_semaphore *sem);
void up_write(struct rw_semaphore *sem);
void downgrade_write(struct rw_semaphore *sem);
int rwsem_is_locked(struct rw_semaphore *sem);
/* Nested locking of one class: `subclass` makes it a class of its own for lockdep. */
void down_read_nested(struct rw_semaphore *sem, int subclass);
void down_write_nested(struct rw_semaphore *sem, int subclass);
KAPI_END

#define init_rwsem(sem)                                                                            \
    do {                                                                                           \
        static struct lock_class_key __key;                                                        \
        __init_rwsem((sem), #sem, &__key);                                                         \
    } while (0)

#endif
