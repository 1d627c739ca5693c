/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Atomic integers, as <linux/atomic.h>: atomic_t (int), atomic64_t (s64) and atomic_long_t
 * (long). The types are in <linux/types.h>. Every operation is a real atomic instruction
 * (GCC's __atomic built-ins). Operations that return a value are fully ordered, as in
 * Linux; the others (and the _relaxed forms) are relaxed.
 */
#ifndef _LKMFS_LINUX_ATOMIC_H
#define _LKMFS_LINUX_ATOMIC_H

#include <linux/types.h>
#include <linux/compiler.h>

#ifndef __LKMFS_ATOMIC_LONG_T
#define __LKMFS_ATOMIC_LONG_T
typedef atomic64_t atomic_long_t;
#define ATOMIC_LONG_INIT(i) ATOMIC64_INIT(i)
#endif
#define ATOMIC64_INIT(i)                                                                           \
    { (i) }

#ifndef smp_mb__before_atomic
#define smp_mb__before_atomic() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_mb__after_atomic() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

/* __LKMFS_ATOMIC_OPS(prefix, atomic type, value type) defines the whole API for one type. */
#define __LKMFS_ATOMIC_OPS(p, at, t)                                                               \
    static inline t p##_read(const at *v) {                                                        \
        return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);                                     \
    }                                                                                              \
    static inline t p##_read_acquire(const at *v) {                                                \
        return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE);                                     \
    }                                                                                              \
    static inline void p##_set(at *v, t i) {                                                       \
        __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);                                        \
    }                                                                                              \
    static inline void p##_set_release(at *v, t i) {                                               \
        __atomic_store_n(&v->counter, i, __ATOMIC_RELEASE);                                        \
    }                                                                                              \
    static inline void p##_add(t i, at *v) {                                                       \
        __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED);                                      \
    }                                                                                              \
    static inline void p##_sub(t i, at *v) {                                                       \
        __atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED);                                      \
    }                                                                                              \
    static inline void p##_inc(at *v) {                                                            \
        __atomic_fetch_add(&v->counter, 1, __ATOMIC_RELAXED);                                      \
    }                                                                                              \
    static inline void p##_dec(at *v) {                                                            \
        __atomic_fetch_sub(&v->counter, 1, __ATOMIC_RELAXED);                                      \
    }                                                                                              \
    static inline void p##_and(t i, at *v) {                                                       \
        __atomic_fetch_and(&v->counter, i, __ATOMIC_RELAXED);                                      \
    }                                                                                              \
    static inline void p##_or(t i, at *v) {                                                        \
        __atomic_fetch_or(&v->counter, i, __ATOMIC_RELAXED);                                       \
    }                                                                                              \
    static inline void p##_xor(t i, at *v) {                                                       \
        __atomic_fetch_xor(&v->counter, i, __ATOMIC_RELAXED);                                      \
    }                                                                                              \
    static inline void p##_andnot(t i, at *v) {                                                    \
        __atomic_fetch_and(&v->counter, ~i, __ATOMIC_RELAXED);                                     \
    }                                                                                              \
    static inline t p##_add_return(t i, at *v) {                                                   \
        return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST);                               \
    }                                                                                              \
    static inline t p##_add_return_relaxed(t i, at *v) {                                           \
        return __atomic_add_fetch(&v->counter, i, __ATOMIC_RELAXED);                               \
    }                                                                                              \
    static inline t p##_sub_return(t i, at *v) {                                                   \
        return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST);                               \
    }                                                                                              \
    static inline t p##_inc_return(at *v) {                                                        \
        return p##_add_return(1, v);                                                               \
    }                                                                                              \
    static inline t p##_dec_return(at *v) {                                                        \
        return p##_sub_return(1, v);                                                               \
    }                                                                                              \
    static inline t p##_fetch_add(t i, at *v) {                                                    \
        return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST);                               \
    }                                                                                              \
    static inline t p##_fetch_add_relaxed(t i, at *v) {                                            \
        return __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED);                               \
    }                                                                                              \
    static inline t p##_fetch_sub(t i, at *v) {                                                    \
        return __atomic_fetch_sub(&v->counter, i, __ATOMIC_SEQ_CST);                               \
    }                                                                                              \
    static inline t p##_fetch_inc(at *v) {                                                         \
        return p##_fetch_add(1, v);                                                                \
    }                                                                                              \
    static inline t p##_fetch_dec(at *v) {                                                         \
        return p##_fetch_sub(1, v);                                                                \
    }                                                                                              \
    static inline t p##_fetch_and(t i, at *v) {                                                    \
        return __atomic_fetch_and(&v->counter, i, __ATOMIC_SEQ_CST);                               \
    }                                                                                              \
    static inline t p##_fetch_or(t i, at *v) {                                                     \
        return __atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST);                                \
    }                                                                                              \
    static inline t p##_fetch_xor(t i, at *v) {                                                    \
        return __atomic_fetch_xor(&v->counter, i, __ATOMIC_SEQ_CST);                               \
    }                                                                                              \
    static inline t p##_fetch_andnot(t i, at *v) {                                                 \
        return __atomic_fetch_and(&v->counter, ~i, __ATOMIC_SEQ_CST);                              \
    }                                                                                              \
    static inline t p##_xchg(at *v, t n) {                                                         \
        return __atomic_exchange_n(&v->counter, n, __ATOMIC_SEQ_CST);                              \
    }                                                                                              \
    /* Returns the value found; stores n only if it was o. */                                      \
    static inline t p##_cmpxchg(at *v, t o, t n) {                                                 \
        __atomic_compare_exchange_n(&v->counter, &o, n, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);    \
        return o;                                                                                  \
    }                                                                                              \
    /* On failure, *o receives the value found. */                                                 \
    static inline bool p##_try_cmpxchg(at *v, t *o, t n) {                                         \
        return __atomic_compare_exchange_n(&v->counter, o, n, 0, __ATOMIC_SEQ_CST,                 \
                                           __ATOMIC_SEQ_CST);                                      \
    }                                                                                              \
    static inline bool p##_sub_and_test(t i, at *v) {                                              \
        return p##_sub_return(i, v) == 0;                                                          \
    }                                                                                              \
    static inline bool p##_dec_and_test(at *v) {                                                   \
        return p##_dec_return(v) == 0;                                                             \
    }                                                                                              \
    static inline bool p##_inc_and_test(at *v) {                                                   \
        return p##_inc_return(v) == 0;                                                             \
    }                                                                                              \
    static inline bool p##_add_negative(t i, at *v) {                                              \
        return p##_add_return(i, v) < 0;                                                           \
    }                                                                                              \
    /* Adds a unless the value is u; returns the value found. */                                   \
    static inline t p##_fetch_add_unless(at *v, t a, t u) {                                        \
        t c = p##_read(v);                                                                         \
        do {                                                                                       \
            if (c == u)                                                                            \
                break;                                                                             \
        } while (!p##_try_cmpxchg(v, &c, (t)(c + a)));                                             \
        return c;                                                                                  \
    }                                                                                              \
    static inline bool p##_add_unless(at *v, t a, t u) {                                           \
        return p##_fetch_add_unless(v, a, u) != u;                                                 \
    }                                                                                              \
    static inline bool p##_inc_not_zero(at *v) {                                                   \
        return p##_add_unless(v, 1, 0);                                                            \
    }                                                                                              \
    /* Decrements unless that would go below zero; returns the old value minus one. */             \
    static inline t p##_dec_if_positive(at *v) {                                                   \
        t c = p##_read(v);                                                                         \
        do {                                                                                       \
            if (c <= 0)                                                                            \
                return (t)(c - 1);                                                                 \
        } while (!p##_try_cmpxchg(v, &c, (t)(c - 1)));                                             \
        return (t)(c - 1);                                                                         \
    }

__LKMFS_ATOMIC_OPS(atomic, atomic_t, int)
__LKMFS_ATOMIC_OPS(atomic64, atomic64_t, s64)
/* atomic_long_t is atomic64_t on 64-bit Linux, with long as the value type. */
#define atomic_long_read(v) ((long)atomic64_read(v))
#define atomic_long_set(v, i) atomic64_set((v), (s64)(i))
#define atomic_long_add(i, v) atomic64_add((s64)(i), (v))
#define atomic_long_sub(i, v) atomic64_sub((s64)(i), (v))
#define atomic_long_inc(v) atomic64_inc(v)
#define atomic_long_dec(v) atomic64_dec(v)
#define atomic_long_add_return(i, v) ((long)atomic64_add_return((s64)(i), (v)))
#define atomic_long_sub_return(i, v) ((long)atomic64_sub_return((s64)(i), (v)))
#define atomic_long_inc_return(v) ((long)atomic64_inc_return(v))
#define atomic_long_dec_return(v) ((long)atomic64_dec_return(v))
#define atomic_long_dec_and_test(v) atomic64_dec_and_test(v)
#define atomic_long_inc_not_zero(v) atomic64_inc_not_zero(v)
#define atomic_long_xchg(v, n) ((long)atomic64_xchg((v), (s64)(n)))
#define atomic_long_cmpxchg(v, o, n) ((long)atomic64_cmpxchg((v), (s64)(o), (s64)(n)))

#undef __LKMFS_ATOMIC_OPS

#endif
