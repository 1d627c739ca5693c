/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ID allocators, as <linux/idr.h>: an idr maps small integer ids to pointers and hands out
 * the lowest free id in a range; an ida hands out ids alone. The caller serialises
 * changes (as in Linux); idr_find may run alongside other readers.
 */
#ifndef _LKMFS_LINUX_IDR_H
#define _LKMFS_LINUX_IDR_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/compiler.h>
#include <lkmfs/kapi.h>

struct idr {
    void *idr_rt;          /* the id map, created on first use (owned by the runtime) */
    unsigned int idr_base; /* the lowest id handed out */
    unsigned int idr_next; /* where idr_alloc_cyclic searches next */
};

#define IDR_INIT_BASE(name, base)                                                                  \
    { NULL, (base), 0 }
#define IDR_INIT(name) IDR_INIT_BASE(name, 0)
#define DEFINE_IDR(name) struct idr name = IDR_INIT(name)

struct ida {
    void *ida_rt; /* the set of ids in use (owned by the runtime) */
};

#define IDA_INIT(name)                                                                             \
    { NULL }
#define DEFINE_IDA(name) struct ida name = IDA_INIT(name)

KAPI_BEGIN
/*
 * Maps ptr (NULL reserves the id) to the lowest free id in [start, end); end <= 0 means no
 * upper limit but INT_MAX. Returns the id, -ENOSPC if the range is full, -EINVAL for a
 * negative start, -ENOMEM.
 */
int idr_alloc(struct idr *idr, void *ptr, int start, int end, gfp_t gfp);
/* As idr_alloc, but searches from the id after the last one handed out, then wraps. */
int idr_alloc_cyclic(struct idr *idr, void *ptr, int start, int end, gfp_t gfp);
/* As idr_alloc with an unsigned range [*nextid, max]; the id goes to *nextid. 0 or error. */
int idr_alloc_u32(struct idr *idr, void *ptr, u32 *nextid, unsigned long max, gfp_t gfp);
/* The pointer of id, or NULL (not allocated, or reserved with NULL). */
void *idr_find(const struct idr *idr, unsigned long id);
/* Frees id; returns its pointer, or NULL if it was not allocated. */
void *idr_remove(struct idr *idr, unsigned long id);
/* Replaces id's pointer; returns the old one, or ERR_PTR(-ENOENT). */
void *idr_replace(struct idr *idr, void *ptr, unsigned long id);
/* Calls fn(id, ptr, data) for every id with a non-NULL pointer, in order, until fn returns
 * non-zero; returns that value or 0. fn must not change the idr. */
int idr_for_each(const struct idr *idr, int (*fn)(int id, void *p, void *data), void *data);
/* The first non-NULL entry with id >= *nextid (which is set to its id), or NULL. */
void *idr_get_next(struct idr *idr, int *nextid);
void *idr_get_next_ul(struct idr *idr, unsigned long *nextid);
bool idr_is_empty(const struct idr *idr);
/* Frees the idr's own memory (not the objects it points to); it is empty afterwards. */
void idr_destroy(struct idr *idr);

/* The lowest free id in [min, max]; -ENOSPC, -ENOMEM. */
int ida_alloc_range(struct ida *ida, unsigned int min, unsigned int max, gfp_t gfp);
void ida_free(struct ida *ida, unsigned int id);
void ida_destroy(struct ida *ida);
bool ida_is_empty(const struct ida *ida);
KAPI_END

static inline void idr_init_base(struct idr *idr, int base) {
    idr->idr_rt = NULL;
    idr->idr_base = (unsigned int)base;
    idr->idr_next = 0;
}

static inline void idr_init(struct idr *idr) {
    idr_init_base(idr, 0);
}

static inline unsigned int idr_get_cursor(const struct idr *idr) {
    return READ_ONCE(idr->idr_next);
}

static inline void idr_set_cursor(struct idr *idr, unsigned int val) {
    WRITE_ONCE(idr->idr_next, val);
}

/* Linux preloads memory and disables preemption; allocation here cannot need that. */
static inline void idr_preload(gfp_t gfp_mask) {
    (void)gfp_mask;
}

static inline void idr_preload_end(void) {}

#ifdef __cplusplus
#define __lkmfs_idr_entry(entry, p) static_cast<__typeof__(entry)>(p)
#else
#define __lkmfs_idr_entry(entry, p) (p)
#endif

/* Every non-NULL entry in id order; id is an int. */
#define idr_for_each_entry(idr, entry, id)                                                         \
    for ((id) = 0; ((entry) = __lkmfs_idr_entry(entry, idr_get_next((idr), &(id)))) != NULL;       \
         (id) += 1U)
/* As idr_for_each_entry with an unsigned long id; tmp (unsigned long) stops a wrap-around. */
#define idr_for_each_entry_ul(idr, entry, tmp, id)                                                 \
    for ((tmp) = 0, (id) = 0;                                                                      \
         ((tmp) = (id),                                                                            \
         ((entry) = __lkmfs_idr_entry(entry, idr_get_next_ul((idr), &(id)))) != NULL) &&           \
         (tmp) <= (id);                                                                            \
         (id) += 1UL)
/* Continues from id (inclusive). */
#define idr_for_each_entry_continue(idr, entry, id)                                                \
    for ((entry) = __lkmfs_idr_entry(entry, idr_get_next((idr), &(id))); (entry);                  \
         ++(id), (entry) = __lkmfs_idr_entry(entry, idr_get_next((idr), &(id))))

static inline void ida_init(struct ida *ida) {
    ida->ida_rt = NULL;
}

static inline int ida_alloc(struct ida *ida, gfp_t gfp) {
    return ida_alloc_range(ida, 0, ~0U, gfp);
}

static inline int ida_alloc_min(struct ida *ida, unsigned int min, gfp_t gfp) {
    return ida_alloc_range(ida, min, ~0U, gfp);
}

static inline int ida_alloc_max(struct ida *ida, unsigned int max, gfp_t gfp) {
    return ida_alloc_range(ida, 0, max, gfp);
}

/* The older interface: [start, end), end 0 meaning no limit. */
static inline int ida_simple_get(struct ida *ida, unsigned int start, unsigned int end, gfp_t gfp) {
    return ida_alloc_range(ida, start, end ? end - 1 : ~0U, gfp);
}

static inline void ida_simple_remove(struct ida *ida, unsigned int id) {
    ida_free(ida, id);
}

#endif
