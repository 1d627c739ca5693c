/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory allocation, as <linux/slab.h>: kmalloc and friends, slab caches
 * (kmem_cache_*), and kvmalloc (kmalloc, or vmalloc when that cannot serve). Every
 * allocation is accounted to the module that made it, so leaks can be reported when the
 * module is removed; freeing with the wrong function (kfree of a cache object, ...) is
 * reported and not done.
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

/* Slab caches: objects of one size (and alignment), optionally built by a constructor. */
typedef unsigned int slab_flags_t;

#define SLAB_CONSISTENCY_CHECKS ((slab_flags_t)0x00000100U)
#define SLAB_RED_ZONE ((slab_flags_t)0x00000400U)
#define SLAB_POISON ((slab_flags_t)0x00000800U)
#define SLAB_KMALLOC ((slab_flags_t)0x00001000U)
#define SLAB_HWCACHE_ALIGN ((slab_flags_t)0x00002000U)
#define SLAB_CACHE_DMA ((slab_flags_t)0x00004000U)
#define SLAB_CACHE_DMA32 ((slab_flags_t)0x00008000U)
#define SLAB_STORE_USER ((slab_flags_t)0x00010000U)
#define SLAB_PANIC ((slab_flags_t)0x00040000U)
#define SLAB_TYPESAFE_BY_RCU ((slab_flags_t)0x00080000U)
#define SLAB_MEM_SPREAD ((slab_flags_t)0x00100000U)
#define SLAB_TRACE ((slab_flags_t)0x00200000U)
#define SLAB_NOLEAKTRACE ((slab_flags_t)0x00800000U)
#define SLAB_ACCOUNT ((slab_flags_t)0x04000000U)
#define SLAB_RECLAIM_ACCOUNT ((slab_flags_t)0x00020000U)
#define SLAB_TEMPORARY SLAB_RECLAIM_ACCOUNT

struct kmem_cache;

KAPI_BEGIN
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
                                     slab_flags_t flags, void (*ctor)(void *));
struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size,
                                              unsigned int align, slab_flags_t flags,
                                              unsigned int useroffset, unsigned int usersize,
                                              void (*ctor)(void *));
void kmem_cache_destroy(struct kmem_cache *s);
int kmem_cache_shrink(struct kmem_cache *s);
void *__must_check kmem_cache_alloc(struct kmem_cache *s, gfp_t flags);
void kmem_cache_free(struct kmem_cache *s, void *objp);
unsigned int kmem_cache_size(struct kmem_cache *s);

void *__must_check kvmalloc_node(size_t size, gfp_t flags, int node);
void *__must_check kvrealloc(const void *p, size_t oldsize, size_t newsize, gfp_t flags);
void kvfree(const void *addr);
void kvfree_sensitive(const void *addr, size_t len);
KAPI_END

/* A cache named after the struct, sized and aligned for it. */
#define KMEM_CACHE(__struct, __flags)                                                              \
    kmem_cache_create(#__struct, sizeof(struct __struct), __alignof__(struct __struct), (__flags), \
                      NULL)

static inline void *__must_check kmem_cache_zalloc(struct kmem_cache *k, gfp_t flags) {
    return kmem_cache_alloc(k, flags | __GFP_ZERO);
}
static inline void *__must_check kmem_cache_alloc_node(struct kmem_cache *s, gfp_t flags,
                                                       int node) {
    (void)node;
    return kmem_cache_alloc(s, flags);
}

static inline void *__must_check kvmalloc(size_t size, gfp_t flags) {
    return kvmalloc_node(size, flags, -1);
}
static inline void *__must_check kvzalloc(size_t size, gfp_t flags) {
    return kvmalloc(size, flags | __GFP_ZERO);
}
static inline void *__must_check kvzalloc_node(size_t size, gfp_t flags, int node) {
    return kvmalloc_node(size, flags | __GFP_ZERO, node);
}
static inline void *__must_check kvmalloc_array(size_t n, size_t size, gfp_t flags) {
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes))
        return NULL;
    return kvmalloc(bytes, flags);
}
static inline void *__must_check kvcalloc(size_t n, size_t size, gfp_t flags) {
    return kvmalloc_array(n, size, flags | __GFP_ZERO);
}

#endif
