/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Circular doubly linked lists and singly headed hash lists, as <linux/list.h>.
 *
 * struct list_head, hlist_head and hlist_node are defined in <linux/types.h>. Nothing here
 * locks: callers serialise, as in Linux. A deleted entry's pointers are poisoned, so a use
 * after list_del() faults at a recognisable address instead of corrupting a list.
 */
#ifndef _LKMFS_LINUX_LIST_H
#define _LKMFS_LINUX_LIST_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/kernel.h>

/* The kernel's poison values (<linux/poison.h>): non-canonical, so any access faults. */
#ifndef LIST_POISON1
#define POISON_POINTER_DELTA 0xdead000000000000UL
#define LIST_POISON1 ((void *)(0x100 + POISON_POINTER_DELTA))
#define LIST_POISON2 ((void *)(0x122 + POISON_POINTER_DELTA))
#endif

#ifdef __cplusplus
#define __lkmfs_list_cast(type, p) (static_cast<type>(p))
#else
#define __lkmfs_list_cast(type, p) ((type)(p))
#endif

/* The containing object of a possibly NULL member pointer (for the *_entry_safe macros). */
static inline void *__lkmfs_entry_or_null(const void *member, size_t offset) {
#ifdef __cplusplus
    return member ? reinterpret_cast<void *>(reinterpret_cast<uintptr_t>(member) - offset) : NULL;
#else
    return member ? (void *)((uintptr_t)member - offset) : NULL;
#endif
}

/* ---- struct list_head ------------------------------------------------------------------ */

#define LIST_HEAD_INIT(name)                                                                       \
    { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *list) {
    WRITE_ONCE(list->next, list);
    list->prev = list;
}

/* Links new between two consecutive entries. */
static inline void __list_add(struct list_head *entry, struct list_head *prev,
                              struct list_head *next) {
    next->prev = entry;
    entry->next = next;
    entry->prev = prev;
    WRITE_ONCE(prev->next, entry);
}

/* Adds entry right after head: a stack. */
static inline void list_add(struct list_head *entry, struct list_head *head) {
    __list_add(entry, head, head->next);
}

/* Adds entry right before head, i.e. at the end: a queue. */
static inline void list_add_tail(struct list_head *entry, struct list_head *head) {
    __list_add(entry, head->prev, head);
}

/* Makes prev and next neighbours, unlinking whatever was between them. */
static inline void __list_del(struct list_head *prev, struct list_head *next) {
    next->prev = prev;
    WRITE_ONCE(prev->next, next);
}

static inline void __list_del_clearprev(struct list_head *entry) {
    __list_del(entry->prev, entry->next);
    entry->prev = NULL;
}

static inline void __list_del_entry(struct list_head *entry) {
    __list_del(entry->prev, entry->next);
}

/* Unlinks entry; it is left poisoned, not empty (see list_del_init). */
static inline void list_del(struct list_head *entry) {
    __list_del_entry(entry);
    entry->next = __lkmfs_list_cast(struct list_head *, LIST_POISON1);
    entry->prev = __lkmfs_list_cast(struct list_head *, LIST_POISON2);
}

/* Puts entry in old's place; old's own pointers are left as they were. */
static inline void list_replace(struct list_head *old, struct list_head *entry) {
    entry->next = old->next;
    entry->next->prev = entry;
    entry->prev = old->prev;
    entry->prev->next = entry;
}

static inline void list_replace_init(struct list_head *old, struct list_head *entry) {
    list_replace(old, entry);
    INIT_LIST_HEAD(old);
}

/* Exchanges the positions of two entries (of the same list or of two lists). */
static inline void list_swap(struct list_head *entry1, struct list_head *entry2) {
    struct list_head *pos = entry2->prev;

    list_del(entry2);
    list_replace(entry1, entry2);
    if (pos == entry1)
        pos = entry2;
    list_add(entry1, pos);
}

static inline void list_del_init(struct list_head *entry) {
    __list_del_entry(entry);
    INIT_LIST_HEAD(entry);
}

/* Moves entry to the front of head's list. */
static inline void list_move(struct list_head *entry, struct list_head *head) {
    __list_del_entry(entry);
    list_add(entry, head);
}

/* Moves entry to the end of head's list. */
static inline void list_move_tail(struct list_head *entry, struct list_head *head) {
    __list_del_entry(entry);
    list_add_tail(entry, head);
}

/* Moves the run first..last (in that order, all on one list) to the end of head's list. */
static inline void list_bulk_move_tail(struct list_head *head, struct list_head *first,
                                       struct list_head *last) {
    first->prev->next = last->next;
    last->next->prev = first->prev;

    head->prev->next = first;
    first->prev = head->prev;

    last->next = head;
    head->prev = last;
}

static inline int list_is_first(const struct list_head *list, const struct list_head *head) {
    return list->prev == head;
}

static inline int list_is_last(const struct list_head *list, const struct list_head *head) {
    return list->next == head;
}

static inline int list_is_head(const struct list_head *list, const struct list_head *head) {
    return list == head;
}

static inline int list_empty(const struct list_head *head) {
    return READ_ONCE(head->next) == head;
}

static inline void list_del_init_careful(struct list_head *entry) {
    __list_del_entry(entry);
    entry->prev = entry;
    __atomic_store_n(&entry->next, entry, __ATOMIC_RELEASE);
}

/* Empty, and not being changed by another CPU half-way (both pointers agree). */
static inline int list_empty_careful(const struct list_head *head) {
    struct list_head *next = __atomic_load_n(&head->next, __ATOMIC_ACQUIRE);

    return list_is_head(next, head) && (next == READ_ONCE(head->prev));
}

/* Moves the first entry to the end. */
static inline void list_rotate_left(struct list_head *head) {
    if (!list_empty(head))
        list_move_tail(head->next, head);
}

/* Rotates the list so that list becomes its first entry. */
static inline void list_rotate_to_front(struct list_head *list, struct list_head *head) {
    list_move_tail(head, list);
}

static inline int list_is_singular(const struct list_head *head) {
    return !list_empty(head) && (head->next == head->prev);
}

static inline void __list_cut_position(struct list_head *list, struct list_head *head,
                                       struct list_head *entry) {
    struct list_head *new_first = entry->next;

    list->next = head->next;
    list->next->prev = list;
    list->prev = entry;
    entry->next = list;
    head->next = new_first;
    new_first->prev = head;
}

/*
 * Moves head's entries up to and including entry to list (which should be empty: its
 * entries are lost). entry == head moves nothing.
 */
static inline void list_cut_position(struct list_head *list, struct list_head *head,
                                     struct list_head *entry) {
    if (list_empty(head))
        return;
    if (list_is_singular(head) && !list_is_head(entry, head) && (entry != head->next))
        return;
    if (list_is_head(entry, head))
        INIT_LIST_HEAD(list);
    else
        __list_cut_position(list, head, entry);
}

/* Moves head's entries before entry (not including it) to list. */
static inline void list_cut_before(struct list_head *list, struct list_head *head,
                                   struct list_head *entry) {
    if (head->next == entry) {
        INIT_LIST_HEAD(list);
        return;
    }
    list->next = head->next;
    list->next->prev = list;
    list->prev = entry->prev;
    list->prev->next = list;
    head->next = entry;
    entry->prev = head;
}

/* Inserts list's entries between prev and next; list itself is left stale. */
static inline void __list_splice(const struct list_head *list, struct list_head *prev,
                                 struct list_head *next) {
    struct list_head *first = list->next;
    struct list_head *last = list->prev;

    first->prev = prev;
    prev->next = first;

    last->next = next;
    next->prev = last;
}

/* Joins list's entries at the front of head's list (list is left stale: re-init it). */
static inline void list_splice(const struct list_head *list, struct list_head *head) {
    if (!list_empty(list))
        __list_splice(list, head, head->next);
}

/* Joins list's entries at the end of head's list. */
static inline void list_splice_tail(struct list_head *list, struct list_head *head) {
    if (!list_empty(list))
        __list_splice(list, head->prev, head);
}

static inline void list_splice_init(struct list_head *list, struct list_head *head) {
    if (!list_empty(list)) {
        __list_splice(list, head, head->next);
        INIT_LIST_HEAD(list);
    }
}

static inline void list_splice_tail_init(struct list_head *list, struct list_head *head) {
    if (!list_empty(list)) {
        __list_splice(list, head->prev, head);
        INIT_LIST_HEAD(list);
    }
}

static inline size_t list_count_nodes(struct list_head *head) {
    struct list_head *pos;
    size_t count = 0;

    for (pos = head->next; pos != head; pos = pos->next)
        count++;
    return count;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_last_entry(ptr, type, member) list_entry((ptr)->prev, type, member)
#define list_first_entry_or_null(ptr, type, member)                                                \
    __lkmfs_list_cast(                                                                             \
        type *, __lkmfs_entry_or_null(__lkmfs_list_first_or_null(ptr), offsetof(type, member)))
#define list_next_entry(pos, member) list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_next_entry_circular(pos, head, member)                                                \
    (list_is_last(&(pos)->member, head) ? list_first_entry(head, __typeof__(*(pos)), member)       \
                                        : list_next_entry(pos, member))
#define list_prev_entry(pos, member) list_entry((pos)->member.prev, __typeof__(*(pos)), member)
#define list_prev_entry_circular(pos, head, member)                                                \
    (list_is_first(&(pos)->member, head) ? list_last_entry(head, __typeof__(*(pos)), member)       \
                                         : list_prev_entry(pos, member))

static inline struct list_head *__lkmfs_list_first_or_null(const struct list_head *head) {
    struct list_head *first = READ_ONCE(head->next);

    return first != head ? first : NULL;
}

#define list_for_each(pos, head)                                                                   \
    for (pos = (head)->next; !list_is_head(pos, (head)); pos = pos->next)
#define list_for_each_continue(pos, head)                                                          \
    for (pos = pos->next; !list_is_head(pos, (head)); pos = pos->next)
#define list_for_each_prev(pos, head)                                                              \
    for (pos = (head)->prev; !list_is_head(pos, (head)); pos = pos->prev)
/* n keeps the next entry, so pos may be deleted (and freed) in the loop body. */
#define list_for_each_safe(pos, n, head)                                                           \
    for (pos = (head)->next, n = pos->next; !list_is_head(pos, (head)); pos = n, n = pos->next)
#define list_for_each_prev_safe(pos, n, head)                                                      \
    for (pos = (head)->prev, n = pos->prev; !list_is_head(pos, (head)); pos = n, n = pos->prev)

/* Whether the entry cursor pos is in fact the list head (the loop has ended). */
#define list_entry_is_head(pos, head, member) (&(pos)->member == (head))

#define list_for_each_entry(pos, head, member)                                                     \
    for (pos = list_first_entry(head, __typeof__(*(pos)), member);                                 \
         !list_entry_is_head(pos, head, member); pos = list_next_entry(pos, member))
#define list_for_each_entry_reverse(pos, head, member)                                             \
    for (pos = list_last_entry(head, __typeof__(*(pos)), member);                                  \
         !list_entry_is_head(pos, head, member); pos = list_prev_entry(pos, member))
/* A cursor for list_for_each_entry_continue: pos itself, or (NULL) the list head. */
#define list_prepare_entry(pos, head, member)                                                      \
    ((pos) ? (pos) : list_entry(head, __typeof__(*(pos)), member))
#define list_for_each_entry_continue(pos, head, member)                                            \
    for (pos = list_next_entry(pos, member); !list_entry_is_head(pos, head, member);               \
         pos = list_next_entry(pos, member))
#define list_for_each_entry_continue_reverse(pos, head, member)                                    \
    for (pos = list_prev_entry(pos, member); !list_entry_is_head(pos, head, member);               \
         pos = list_prev_entry(pos, member))
#define list_for_each_entry_from(pos, head, member)                                                \
    for (; !list_entry_is_head(pos, head, member); pos = list_next_entry(pos, member))
#define list_for_each_entry_from_reverse(pos, head, member)                                        \
    for (; !list_entry_is_head(pos, head, member); pos = list_prev_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)                                             \
    for (pos = list_first_entry(head, __typeof__(*(pos)), member),                                 \
        n = list_next_entry(pos, member);                                                          \
         !list_entry_is_head(pos, head, member); pos = n, n = list_next_entry(n, member))
#define list_for_each_entry_safe_continue(pos, n, head, member)                                    \
    for (pos = list_next_entry(pos, member), n = list_next_entry(pos, member);                     \
         !list_entry_is_head(pos, head, member); pos = n, n = list_next_entry(n, member))
#define list_for_each_entry_safe_from(pos, n, head, member)                                        \
    for (n = list_next_entry(pos, member); !list_entry_is_head(pos, head, member);                 \
         pos = n, n = list_next_entry(n, member))
#define list_for_each_entry_safe_reverse(pos, n, head, member)                                     \
    for (pos = list_last_entry(head, __typeof__(*(pos)), member),                                  \
        n = list_prev_entry(pos, member);                                                          \
         !list_entry_is_head(pos, head, member); pos = n, n = list_prev_entry(n, member))
/* After the loop body dropped a lock, n may be stale: reload it from pos. */
#define list_safe_reset_next(pos, n, member) n = list_next_entry(pos, member)

/* ---- hlist: a list with a one-pointer head, for hash tables ------------------------------ */

#define HLIST_HEAD_INIT                                                                            \
    { NULL }
#define HLIST_HEAD(name) struct hlist_head name = {NULL}
#define INIT_HLIST_HEAD(ptr) ((ptr)->first = NULL)

static inline void INIT_HLIST_NODE(struct hlist_node *h) {
    h->next = NULL;
    h->pprev = NULL;
}

/* Whether h is on no list (never added, or removed with hlist_del_init). */
static inline int hlist_unhashed(const struct hlist_node *h) {
    return !h->pprev;
}

static inline int hlist_unhashed_lockless(const struct hlist_node *h) {
    return !READ_ONCE(h->pprev);
}

static inline int hlist_empty(const struct hlist_head *h) {
    return !READ_ONCE(h->first);
}

static inline void __hlist_del(struct hlist_node *n) {
    struct hlist_node *next = n->next;
    struct hlist_node **pprev = n->pprev;

    WRITE_ONCE(*pprev, next);
    if (next)
        WRITE_ONCE(next->pprev, pprev);
}

static inline void hlist_del(struct hlist_node *n) {
    __hlist_del(n);
    n->next = __lkmfs_list_cast(struct hlist_node *, LIST_POISON1);
    n->pprev = __lkmfs_list_cast(struct hlist_node **, LIST_POISON2);
}

static inline void hlist_del_init(struct hlist_node *n) {
    if (!hlist_unhashed(n)) {
        __hlist_del(n);
        INIT_HLIST_NODE(n);
    }
}

static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h) {
    struct hlist_node *first = h->first;

    WRITE_ONCE(n->next, first);
    if (first)
        WRITE_ONCE(first->pprev, &n->next);
    WRITE_ONCE(h->first, n);
    WRITE_ONCE(n->pprev, &h->first);
}

/* Adds n before next, which must be on a list. */
static inline void hlist_add_before(struct hlist_node *n, struct hlist_node *next) {
    WRITE_ONCE(n->pprev, next->pprev);
    WRITE_ONCE(n->next, next);
    WRITE_ONCE(next->pprev, &n->next);
    WRITE_ONCE(*(n->pprev), n);
}

/* Adds n after prev, which must be on a list. */
static inline void hlist_add_behind(struct hlist_node *n, struct hlist_node *prev) {
    WRITE_ONCE(n->next, prev->next);
    WRITE_ONCE(prev->next, n);
    WRITE_ONCE(n->pprev, &prev->next);

    if (n->next)
        WRITE_ONCE(n->next->pprev, &n->next);
}

/* Makes n look hashed (hlist_del on it then does no harm) without being on any list. */
static inline void hlist_add_fake(struct hlist_node *n) {
    n->pprev = &n->next;
}

static inline bool hlist_fake(struct hlist_node *h) {
    return h->pprev == &h->next;
}

/* Whether n is the only node of h. */
static inline bool hlist_is_singular_node(struct hlist_node *n, struct hlist_head *h) {
    return !n->next && n->pprev == &h->first;
}

/* Moves every node of old to an_new (whose nodes are lost); old becomes empty. */
static inline void hlist_move_list(struct hlist_head *old, struct hlist_head *an_new) {
    an_new->first = old->first;
    if (an_new->first)
        an_new->first->pprev = &an_new->first;
    old->first = NULL;
}

static inline size_t hlist_count_nodes(struct hlist_head *head) {
    struct hlist_node *pos;
    size_t count = 0;

    for (pos = head->first; pos; pos = pos->next)
        count++;
    return count;
}

#define hlist_entry(ptr, type, member) container_of(ptr, type, member)
#define hlist_entry_safe(ptr, type, member)                                                        \
    __lkmfs_list_cast(type *, __lkmfs_entry_or_null(ptr, offsetof(type, member)))

#define hlist_for_each(pos, head) for (pos = (head)->first; pos; pos = pos->next)
#define hlist_for_each_safe(pos, n, head)                                                          \
    for (pos = (head)->first; pos && ((n = pos->next), 1); pos = n)

#define hlist_for_each_entry(pos, head, member)                                                    \
    for (pos = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); pos;                   \
         pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))
#define hlist_for_each_entry_continue(pos, member)                                                 \
    for (pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member); pos;              \
         pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))
#define hlist_for_each_entry_from(pos, member)                                                     \
    for (; pos; pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))
/* n (a struct hlist_node *) keeps the next node, so pos may be deleted in the loop body. */
#define hlist_for_each_entry_safe(pos, n, head, member)                                            \
    for (pos = hlist_entry_safe((head)->first, __typeof__(*(pos)), member);                        \
         pos && ((n = pos->member.next), 1);                                                       \
         pos = hlist_entry_safe(n, __typeof__(*(pos)), member))

#endif
