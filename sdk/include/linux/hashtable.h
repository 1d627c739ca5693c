/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-size hash tables of hlists, as <linux/hashtable.h>: DEFINE_HASHTABLE(name, bits)
 * makes 2^bits buckets; objects embed a struct hlist_node and are filed by an integer key.
 */
#ifndef _LKMFS_LINUX_HASHTABLE_H
#define _LKMFS_LINUX_HASHTABLE_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/hash.h>
#include <linux/log2.h>

/* Every bucket starts as an empty hlist_head: all of its bytes zero. */
#define DEFINE_HASHTABLE(name, bits) struct hlist_head name[1 << (bits)] = {HLIST_HEAD_INIT}
#define DECLARE_HASHTABLE(name, bits) struct hlist_head name[1 << (bits)]

#define HASH_SIZE(name) (ARRAY_SIZE(name))
#define HASH_BITS(name) ilog2(HASH_SIZE(name))

/* The bucket of val in a table of 2^bits buckets (32-bit keys hash as 32 bits). */
#define hash_min(val, bits) (sizeof(val) <= 4 ? hash_32((u32)(val), bits) : hash_long(val, bits))

static inline void __hash_init(struct hlist_head *ht, unsigned int sz) {
    unsigned int i;

    for (i = 0; i < sz; i++)
        INIT_HLIST_HEAD(&ht[i]);
}

/* Empties a table declared with DECLARE_HASHTABLE (its objects are not freed). */
#define hash_init(hashtable) __hash_init(hashtable, (unsigned int)HASH_SIZE(hashtable))

/* Files node (an object's struct hlist_node) under key. */
#define hash_add(hashtable, node, key)                                                             \
    hlist_add_head(node, &hashtable[hash_min(key, HASH_BITS(hashtable))])

static inline bool hash_hashed(struct hlist_node *node) {
    return !hlist_unhashed(node);
}

static inline bool __hash_empty(struct hlist_head *ht, unsigned int sz) {
    unsigned int i;

    for (i = 0; i < sz; i++)
        if (!hlist_empty(&ht[i]))
            return false;
    return true;
}

#define hash_empty(hashtable) __hash_empty(hashtable, (unsigned int)HASH_SIZE(hashtable))

/* Removes an object from the table; its node reads as unhashed afterwards. */
static inline void hash_del(struct hlist_node *node) {
    hlist_del_init(node);
}

/*
 * Every object of the table, bucket by bucket: bkt is the bucket index (int), obj the
 * cursor. The outer loop stops as soon as the inner one was left with obj != NULL (break).
 */
#define hash_for_each(name, bkt, obj, member)                                                      \
    for ((bkt) = 0, obj = NULL; obj == NULL && (bkt) < (__typeof__(bkt))HASH_SIZE(name); (bkt)++)  \
    hlist_for_each_entry(obj, &name[bkt], member)

/* As hash_for_each; obj may be removed in the body (tmp is a struct hlist_node *). */
#define hash_for_each_safe(name, bkt, tmp, obj, member)                                            \
    for ((bkt) = 0, obj = NULL; obj == NULL && (bkt) < (__typeof__(bkt))HASH_SIZE(name); (bkt)++)  \
    hlist_for_each_entry_safe(obj, tmp, &name[bkt], member)

/* The objects in key's bucket: all those with this key, and any others that collide. */
#define hash_for_each_possible(name, obj, member, key)                                             \
    hlist_for_each_entry(obj, &name[hash_min(key, HASH_BITS(name))], member)

#define hash_for_each_possible_safe(name, obj, tmp, member, key)                                   \
    hlist_for_each_entry_safe(obj, tmp, &name[hash_min(key, HASH_BITS(name))], member)

#endif
