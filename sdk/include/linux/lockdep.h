/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lock identity for the lock checker, as <linux/lockdep.h>. Every lock type embeds a
 * `struct lockdep_map` naming the lock and its class: the `static struct lock_class_key` of
 * the init macro's call site, or no key for a statically initialised lock (whose address is
 * then its class, as in Linux). The runtime keeps each thread's held locks, so
 * lockdep_is_held() and lockdep_assert_held() are real checks.
 */
#ifndef _LKMFS_LINUX_LOCKDEP_H
#define _LKMFS_LINUX_LOCKDEP_H

#include <linux/types.h>
#include <lkmfs/kapi.h>

struct lock_class_key {
    char __one_byte; /* distinct addresses for distinct keys; never read */
};

struct lockdep_map {
    const char *name;
    struct lock_class_key *key;
};

#define __LKMFS_DEP_MAP_INIT(lockname)                                                             \
    { #lockname, NULL }

KAPI_BEGIN
/* Whether this thread holds the lock `map` belongs to. */
int lock_is_held(const struct lockdep_map *map);
/* Reports (as a WARNING in kmsg) that the lock is not held where the caller requires it. */
void lockdep_assert_held_failed(const struct lockdep_map *map, const char *file, int line);
KAPI_END

#define lockdep_is_held(lock) lock_is_held(&(lock)->dep_map)
#define lockdep_assert_held(lock)                                                                  \
    do {                                                                                           \
        if (!lockdep_is_held(lock))                                                                \
            lockdep_assert_held_failed(&(lock)->dep_map, __FILE__, __LINE__);                      \
    } while (0)
#define lockdep_assert_held_write(lock) lockdep_assert_held(lock)
#define lockdep_assert_held_read(lock) lockdep_assert_held(lock)
#define lockdep_assert_held_once(lock) lockdep_assert_held(lock)
#define lockdep_set_class(lock, k) ((void)((lock)->dep_map.key = (k)))
#define lockdep_set_class_and_name(lock, k, n)                                                     \
    ((void)((lock)->dep_map.key = (k)), (void)((lock)->dep_map.name = (n)))
#define lockdep_off()                                                                              \
    do {                                                                                           \
    } while (0)
#define lockdep_on()                                                                               \
    do {                                                                                           \
    } while (0)

/* Lock subclasses for nested locking of one class (spin_lock_nested & co.). */
#define SINGLE_DEPTH_NESTING 1

#endif
