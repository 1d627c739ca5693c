/* SPDX-License-Identifier: GPL-2.0 */
/* Miscellaneous kernel helpers, as <linux/kernel.h>. Adds to the system UAPI header. */
#ifndef _LKMFS_LINUX_KERNEL_H
#define _LKMFS_LINUX_KERNEL_H

#include_next <linux/kernel.h>
#include <stdarg.h>
#include <limits.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/printk.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/kstrtox.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <asm/barrier.h>
#include <lkmfs/kapi.h>

#ifndef __cplusplus
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#else
#define container_of(ptr, type, member)                                                            \
    (reinterpret_cast<type *>(reinterpret_cast<char *>(ptr) - offsetof(type, member)))
#endif

#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))

#define U8_MAX ((u8)~0U)
#define S8_MAX ((s8)(U8_MAX >> 1))
#define S8_MIN ((s8)(-S8_MAX - 1))
#define U16_MAX ((u16)~0U)
#define S16_MAX ((s16)(U16_MAX >> 1))
#define S16_MIN ((s16)(-S16_MAX - 1))
#define U32_MAX ((u32)~0U)
#define S32_MAX ((s32)(U32_MAX >> 1))
#define S32_MIN ((s32)(-S32_MAX - 1))
#define U64_MAX ((u64)~0ULL)
#define S64_MAX ((s64)(U64_MAX >> 1))
#define S64_MIN ((s64)(-S64_MAX - 1))

#ifdef __cplusplus
/* Function templates rather than macros, so that std::min/std::max stay usable. */
template <class A, class B>
static inline auto min(A a, B b) {
    return a < b ? a : b;
}
template <class A, class B>
static inline auto max(A a, B b) {
    return a > b ? a : b;
}
#define min_t(type, x, y) min((type)(x), (type)(y))
#define max_t(type, x, y) max((type)(x), (type)(y))
template <class V, class L, class H>
static inline auto clamp(V val, L lo, H hi) {
    return min(max(val, lo), hi);
}
#else
#define min(x, y)                                                                                  \
    ({                                                                                             \
        __typeof__(x) __min1 = (x);                                                                \
        __typeof__(y) __min2 = (y);                                                                \
        (void)(&__min1 == &__min2);                                                                \
        __min1 < __min2 ? __min1 : __min2;                                                         \
    })
#define max(x, y)                                                                                  \
    ({                                                                                             \
        __typeof__(x) __max1 = (x);                                                                \
        __typeof__(y) __max2 = (y);                                                                \
        (void)(&__max1 == &__max2);                                                                \
        __max1 > __max2 ? __max1 : __max2;                                                         \
    })
#define min_t(type, x, y)                                                                          \
    ({                                                                                             \
        type __min1 = (x);                                                                         \
        type __min2 = (y);                                                                         \
        __min1 < __min2 ? __min1 : __min2;                                                         \
    })
#define max_t(type, x, y)                                                                          \
    ({                                                                                             \
        type __max1 = (x);                                                                         \
        type __max2 = (y);                                                                         \
        __max1 > __max2 ? __max1 : __max2;                                                         \
    })
#endif
#define min3(x, y, z) min((__typeof__(x))min(x, y), z)
#define max3(x, y, z) max((__typeof__(x))max(x, y), z)
#ifndef __cplusplus
#define clamp(val, lo, hi) min((__typeof__(val))max(val, lo), hi)
#endif
#define clamp_t(type, val, lo, hi) min_t(type, max_t(type, val, lo), hi)

#define __ALIGN_KERNEL_MASK(x, mask) (((x) + (mask)) & ~(mask))
#define ALIGN(x, a) __ALIGN_KERNEL_MASK(x, (__typeof__(x))(a)-1)
#define ALIGN_DOWN(x, a) ALIGN((x) - ((a)-1), (a))
#define PTR_ALIGN(p, a) ((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))
#define roundup(x, y) ((((x) + ((y)-1)) / (y)) * (y))
#define rounddown(x, y) ((x) - ((x) % (y)))
/* Division rounded to the nearest integer (halves away from zero). */
#ifdef __cplusplus
template <class X, class D>
static inline auto __lkmfs_div_round_closest(X x, D divisor) {
    bool same_sign = (x > 0) == (divisor > 0) || x == 0;
    return same_sign ? (x + divisor / 2) / divisor : (x - divisor / 2) / divisor;
}
#define DIV_ROUND_CLOSEST(x, divisor) __lkmfs_div_round_closest(x, divisor)
#else
#define DIV_ROUND_CLOSEST(x, divisor)                                                              \
    __extension__({                                                                                \
        __typeof__(x) __drc_x = (x);                                                               \
        __typeof__(divisor) __drc_d = (divisor);                                                   \
        (__drc_x > 0) == (__drc_d > 0) || __drc_x == 0 ? (__drc_x + __drc_d / 2) / __drc_d         \
                                                       : (__drc_x - __drc_d / 2) / __drc_d;        \
    })
#endif
#define DIV_ROUND_CLOSEST_ULL(x, divisor) (((unsigned long long)(x) + (divisor) / 2) / (divisor))

/* swap(a, b) exchanges two lvalues; abs(x) is type-generic (C++: std::abs's overloads). */
#ifdef __cplusplus
template <class T>
static inline void swap(T &a, T &b) {
    T tmp = a;
    a = b;
    b = tmp;
}
#else
#define swap(a, b)                                                                                 \
    do {                                                                                           \
        __typeof__(a) __swap_tmp = (a);                                                            \
        (a) = (b);                                                                                 \
        (b) = __swap_tmp;                                                                          \
    } while (0)
#undef abs
#define abs(x)                                                                                     \
    __extension__({                                                                                \
        __typeof__(+(x)) __abs_x = (x);                                                            \
        __abs_x < 0 ? -__abs_x : __abs_x;                                                          \
    })
#endif

/* The size of a struct member. FIELD_SIZEOF is the spelling before Linux 5.5. */
#define sizeof_field(TYPE, MEMBER) sizeof((((TYPE *)0)->MEMBER))
#define FIELD_SIZEOF(t, f) sizeof_field(t, f)

#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n) ((u32)((n)&0xffffffff))

KAPI_BEGIN
__printf(3, 4) int scnprintf(char *buf, size_t size, const char *fmt, ...);
__printf(3, 0) int vscnprintf(char *buf, size_t size, const char *fmt, va_list args);
__printf(2, 3) char *kasprintf(gfp_t gfp, const char *fmt, ...);
/* Sleeping is allowed here; the debug checks of a later issue hook in at this point. */
void __might_sleep(const char *file, int line);
/* A chance to schedule: a loop that calls cond_resched() is no soft lockup. */
int _cond_resched(void);
KAPI_END

#define might_sleep() __might_sleep(__FILE__, __LINE__)
#define cond_resched()                                                                             \
    ({                                                                                             \
        might_sleep();                                                                             \
        _cond_resched();                                                                           \
    })

#endif
