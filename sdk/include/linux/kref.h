/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference counts for objects, as <linux/kref.h>: kref_put() calls the release function
 * exactly once, when the last reference goes. The count is atomic; as Linux's refcount_t
 * does, it refuses to go from 0 back up or below 0 (use after free), saturates instead of
 * wrapping, and reports either misuse in kmsg ("refcount_t: underflow; use-after-free.").
 */
#ifndef _LKMFS_LINUX_KREF_H
#define _LKMFS_LINUX_KREF_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <lkmfs/kapi.h>

struct kref {
    struct {
        atomic_t refs;
    } refcount;
};

#define KREF_INIT(n)                                                                               \
    {                                                                                              \
        { ATOMIC_INIT(n) }                                                                         \
    }

/* A count past this (or negative) is saturated: it stays there and nothing is released. */
#define __KREF_SATURATED (-(1 << 30))

enum __lkmfs_kref_misuse {
    __KREF_ADD_ON_ZERO, /* "addition on 0; use-after-free." */
    __KREF_UNDERFLOW,   /* "underflow; use-after-free." */
    __KREF_OVERFLOW,    /* "saturated; leaking memory." */
};

KAPI_BEGIN
/* Reports a misuse of a reference count in kmsg, with a backtrace, and saturates it. */
void lkmfs_kref_warn(struct kref *kref, int misuse);
KAPI_END

static inline void kref_init(struct kref *kref) {
    __atomic_store_n(&kref->refcount.refs.counter, 1, __ATOMIC_RELAXED);
}

static inline unsigned int kref_read(const struct kref *kref) {
    return (unsigned int)__atomic_load_n(&kref->refcount.refs.counter, __ATOMIC_RELAXED);
}

/* Takes a reference; the caller must already hold one. */
static inline void kref_get(struct kref *kref) {
    int old = __atomic_fetch_add(&kref->refcount.refs.counter, 1, __ATOMIC_RELAXED);

    if (__builtin_expect(old <= 0 || old == __INT_MAX__, 0))
        lkmfs_kref_warn(kref, old == 0 ? __KREF_ADD_ON_ZERO : __KREF_OVERFLOW);
}

/*
 * Drops a reference; the last one calls release(kref) and returns 1, otherwise 0. The
 * object must not be touched after a put unless another reference is held.
 */
static inline int kref_put(struct kref *kref, void (*release)(struct kref *kref)) {
    int old = __atomic_fetch_sub(&kref->refcount.refs.counter, 1, __ATOMIC_RELEASE);

    if (old == 1) {
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        release(kref);
        return 1;
    }
    if (__builtin_expect(old <= 0, 0))
        lkmfs_kref_warn(kref, __KREF_UNDERFLOW);
    return 0;
}

/* Takes a reference unless the count already dropped to 0 (the object is going away). */
static inline int __must_check kref_get_unless_zero(struct kref *kref) {
    int old = __atomic_load_n(&kref->refcount.refs.counter, __ATOMIC_RELAXED);

    do {
        if (old == 0)
            return 0;
        if (old < 0)
            return 1; /* saturated: stays so */
    } while (!__atomic_compare_exchange_n(&kref->refcount.refs.counter, &old, old + 1, true,
                                          __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
    if (__builtin_expect(old == __INT_MAX__, 0))
        lkmfs_kref_warn(kref, __KREF_OVERFLOW);
    return 1;
}

#endif
