/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Red-black trees, as <linux/rbtree.h>: the caller embeds struct rb_node in its objects,
 * searches the tree itself (so comparisons are inlined and typed), links a new node with
 * rb_link_node() and then rebalances with rb_insert_color(). Nothing here locks.
 */
#ifndef _LKMFS_LINUX_RBTREE_H
#define _LKMFS_LINUX_RBTREE_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/kernel.h>
#include <linux/rbtree_types.h>
#include <lkmfs/kapi.h>

#ifdef __cplusplus
#define __lkmfs_rb_cast(type, p) (reinterpret_cast<type>(p))
#else
#define __lkmfs_rb_cast(type, p) ((type)(p))
#endif

#define rb_parent(r) __lkmfs_rb_cast(struct rb_node *, (r)->__rb_parent_color & ~3UL)

#define rb_entry(ptr, type, member) container_of(ptr, type, member)

#define RB_EMPTY_ROOT(root) (READ_ONCE((root)->rb_node) == NULL)

/* A node that is on no tree points to itself (RB_CLEAR_NODE). */
#define RB_EMPTY_NODE(node) ((node)->__rb_parent_color == __lkmfs_rb_cast(unsigned long, node))
#define RB_CLEAR_NODE(node) ((node)->__rb_parent_color = __lkmfs_rb_cast(unsigned long, node))

KAPI_BEGIN
/* Rebalances after rb_link_node() put node into the tree as a red leaf. */
void rb_insert_color(struct rb_node *node, struct rb_root *root);
/* Removes node from the tree and rebalances; node's own fields are left stale. */
void rb_erase(struct rb_node *node, struct rb_root *root);

/* In-order neighbours; NULL past either end. */
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);

/* Post-order (children before parents): for freeing a whole tree without rebalancing. */
struct rb_node *rb_first_postorder(const struct rb_root *root);
struct rb_node *rb_next_postorder(const struct rb_node *node);

/* Puts replacement in victim's place (same key!) without rebalancing. */
void rb_replace_node(struct rb_node *victim, struct rb_node *replacement, struct rb_root *root);
void rb_replace_node_rcu(struct rb_node *victim, struct rb_node *replacement, struct rb_root *root);
KAPI_END

/* Puts node as a red leaf at *rb_link, a NULL child pointer of parent found by a search. */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
                                struct rb_node **rb_link) {
    node->__rb_parent_color = __lkmfs_rb_cast(unsigned long, parent);
    node->rb_left = node->rb_right = NULL;

    *rb_link = node;
}

static inline void rb_link_node_rcu(struct rb_node *node, struct rb_node *parent,
                                    struct rb_node **rb_link) {
    node->__rb_parent_color = __lkmfs_rb_cast(unsigned long, parent);
    node->rb_left = node->rb_right = NULL;
    __atomic_store_n(rb_link, node, __ATOMIC_RELEASE);
}

static inline void *__lkmfs_rb_entry_or_null(const struct rb_node *node, size_t offset) {
    return node ? __lkmfs_rb_cast(void *, __lkmfs_rb_cast(uintptr_t, node) - offset) : NULL;
}

#ifdef __cplusplus
#define rb_entry_safe(ptr, type, member)                                                           \
    (static_cast<type *>(__lkmfs_rb_entry_or_null(ptr, offsetof(type, member))))
#else
#define rb_entry_safe(ptr, type, member)                                                           \
    ((type *)__lkmfs_rb_entry_or_null(ptr, offsetof(type, member)))
#endif

/*
 * Visits every entry in post-order; pos may be freed in the body (n holds the next one).
 * The tree is not rebalanced, so this is for tearing a tree down, not for erasing from it.
 */
#define rbtree_postorder_for_each_entry_safe(pos, n, root, field)                                  \
    for (pos = rb_entry_safe(rb_first_postorder(root), __typeof__(*(pos)), field);                 \
         pos &&                                                                                    \
         ((n = rb_entry_safe(rb_next_postorder(&(pos)->field), __typeof__(*(pos)), field)), 1);    \
         pos = n)

/* ---- Trees that cache their leftmost node ------------------------------------------------ */

#define rb_first_cached(root) (root)->rb_leftmost

static inline void rb_insert_color_cached(struct rb_node *node, struct rb_root_cached *root,
                                          bool leftmost) {
    if (leftmost)
        root->rb_leftmost = node;
    rb_insert_color(node, &root->rb_root);
}

/* Erases node; returns the new leftmost node if node was the leftmost one, else NULL. */
static inline struct rb_node *rb_erase_cached(struct rb_node *node, struct rb_root_cached *root) {
    struct rb_node *leftmost = NULL;

    if (root->rb_leftmost == node)
        leftmost = root->rb_leftmost = rb_next(node);
    rb_erase(node, &root->rb_root);
    return leftmost;
}

static inline void rb_replace_node_cached(struct rb_node *victim, struct rb_node *replacement,
                                          struct rb_root_cached *root) {
    if (root->rb_leftmost == victim)
        root->rb_leftmost = replacement;
    rb_replace_node(victim, replacement, &root->rb_root);
}

/* ---- Helpers that search with a comparison function -------------------------------------- */

/*
 * Inserts node (after any equal ones) ordered by less(a, b); returns the node if it became
 * the leftmost one, else NULL.
 */
static __always_inline struct rb_node *
rb_add_cached(struct rb_node *node, struct rb_root_cached *tree,
              bool (*less)(struct rb_node *, const struct rb_node *)) {
    struct rb_node **link = &tree->rb_root.rb_node;
    struct rb_node *parent = NULL;
    bool leftmost = true;

    while (*link) {
        parent = *link;
        if (less(node, parent)) {
            link = &parent->rb_left;
        } else {
            link = &parent->rb_right;
            leftmost = false;
        }
    }
    rb_link_node(node, parent, link);
    rb_insert_color_cached(node, tree, leftmost);
    return leftmost ? node : NULL;
}

static __always_inline void rb_add(struct rb_node *node, struct rb_root *tree,
                                   bool (*less)(struct rb_node *, const struct rb_node *)) {
    struct rb_node **link = &tree->rb_node;
    struct rb_node *parent = NULL;

    while (*link) {
        parent = *link;
        link = less(node, parent) ? &parent->rb_left : &parent->rb_right;
    }
    rb_link_node(node, parent, link);
    rb_insert_color(node, tree);
}

/*
 * Inserts node unless an equal one (cmp(node, other) == 0) is there; returns that one, or
 * NULL when node was inserted. cmp < 0: node goes left of other.
 */
static __always_inline struct rb_node *rb_find_add(struct rb_node *node, struct rb_root *tree,
                                                   int (*cmp)(struct rb_node *,
                                                              const struct rb_node *)) {
    struct rb_node **link = &tree->rb_node;
    struct rb_node *parent = NULL;
    int c;

    while (*link) {
        parent = *link;
        c = cmp(node, parent);
        if (c < 0)
            link = &parent->rb_left;
        else if (c > 0)
            link = &parent->rb_right;
        else
            return parent;
    }
    rb_link_node(node, parent, link);
    rb_insert_color(node, tree);
    return NULL;
}

/* Some node matching key (cmp(key, node) == 0), or NULL. */
static __always_inline struct rb_node *rb_find(const void *key, const struct rb_root *tree,
                                               int (*cmp)(const void *key,
                                                          const struct rb_node *)) {
    struct rb_node *node = tree->rb_node;
    int c;

    while (node) {
        c = cmp(key, node);
        if (c < 0)
            node = node->rb_left;
        else if (c > 0)
            node = node->rb_right;
        else
            return node;
    }
    return NULL;
}

/* The leftmost node matching key, or NULL. */
static __always_inline struct rb_node *rb_find_first(const void *key, const struct rb_root *tree,
                                                     int (*cmp)(const void *key,
                                                                const struct rb_node *)) {
    struct rb_node *node = tree->rb_node;
    struct rb_node *match = NULL;
    int c;

    while (node) {
        c = cmp(key, node);
        if (c <= 0) {
            if (!c)
                match = node;
            node = node->rb_left;
        } else {
            node = node->rb_right;
        }
    }
    return match;
}

/* The node after node if it still matches key, else NULL. */
static __always_inline struct rb_node *rb_next_match(const void *key, struct rb_node *node,
                                                     int (*cmp)(const void *key,
                                                                const struct rb_node *)) {
    node = rb_next(node);
    if (node && cmp(key, node))
        node = NULL;
    return node;
}

/* Every node matching key, in order. */
#define rb_for_each(node, key, tree, cmp)                                                          \
    for ((node) = rb_find_first((key), (tree), (cmp)); (node);                                     \
         (node) = rb_next_match((key), (node), (cmp)))

#endif
