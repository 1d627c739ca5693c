/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory allocation, as <linux/slab.h>. Every allocation is accounted to the module that
 * made it, so leaks can be reported when the module is removed.
 */
#ifndef _LKMFS_LINUX_SLAB_H
#define _LKMFS_LINUX_SLAB_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/string.h>
#include <lkmfs/kapi.h>

/* kmalloc(0) returns this distinct, non-NULL, non-dereferenceable pointer, as in Linux. */
#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

#define KMALLOC_MAX_SIZE (1UL << 22) /* 4 MiB, the x86-64 page-allocator limit for kmalloc */

KAPI_BEGIN
void *__must_check kmalloc(size_t size, gfp_t flags);
void *__must_check krealloc(const void *p, size_t new_size, gfp_t flags);
void kfree(const void *objp);
void kfree_sensitive(const void *objp);
size_t ksize(const void *objp);
KAPI_END

static inline void *__must_check kzalloc(size_t size, gfp_t flags) {
    return kmalloc(size, flags | __GFP_ZERO);
}
static inline void *__must_check kmalloc_array(size_t n, size_t size, gfp_t flags) {
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes))
        return NULL;
    return kmalloc(bytes, flags);
}
static inline void *__must_check kcalloc(size_t n, size_t size, gfp_t flags) {
    return kmalloc_array(n, size, flags | __GFP_ZERO);
}
static inline void *__must_check kmalloc_node(size_t size, gfp_t flags, int node) {
    (void)node;
    return kmalloc(size, flags);
}
static inline void *__must_check kzalloc_node(size_t size, gfp_t flags, int node) {
    (void)node;
    return kzalloc(size, flags);
}

#endif
