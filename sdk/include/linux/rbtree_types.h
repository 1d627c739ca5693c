/* SPDX-License-Identifier: GPL-2.0 */
/* The red-black tree's node and root types, as <linux/rbtree_types.h>. */
#ifndef _LKMFS_LINUX_RBTREE_TYPES_H
#define _LKMFS_LINUX_RBTREE_TYPES_H

#include <stddef.h>

/*
 * A node embedded in the caller's object. __rb_parent_color holds the parent's address with
 * the node's colour in bit 0 (0 red, 1 black): nodes are at least long-aligned, so the low
 * bits of an address are free.
 */
struct rb_node {
    unsigned long __rb_parent_color;
    struct rb_node *rb_right;
    struct rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
    struct rb_node *rb_node;
};

/* A root that also remembers its leftmost node, so rb_first_cached() costs O(1). */
struct rb_root_cached {
    struct rb_root rb_root;
    struct rb_node *rb_leftmost;
};

#ifdef __cplusplus
#define RB_ROOT (rb_root{NULL})
#define RB_ROOT_CACHED (rb_root_cached{{NULL}, NULL})
#else
#define RB_ROOT ((struct rb_root){NULL})
#define RB_ROOT_CACHED ((struct rb_root_cached){{NULL}, NULL})
#endif

#endif
