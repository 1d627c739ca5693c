/* SPDX-License-Identifier: GPL-2.0 */
/* Compiler attributes and annotations, as <linux/compiler.h> and compiler_types.h. */
#ifndef _LKMFS_LINUX_COMPILER_H
#define _LKMFS_LINUX_COMPILER_H

/*
 * The C library headers the SDK builds on come first, before any kernel macro exists:
 * names such as __init or current are also field names inside glibc's own structures.
 * (C++ modules: include standard C++ headers before <linux/...> ones, for the same reason.)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Address-space annotations: documentation for sparse in Linux, nothing here. */
#define __user
#define __kernel
#define __iomem
#define __force
#define __rcu
#define __percpu
#define __must_check __attribute__((__warn_unused_result__))
/* glibc's <sys/cdefs.h> defines it too (and #undefs ours first): either order works. */
#undef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#define noinline __attribute__((__noinline__))
#define __maybe_unused __attribute__((__unused__))
#define __always_unused __attribute__((__unused__))
#define __used __attribute__((__used__))
#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define __scanf(a, b) __attribute__((__format__(scanf, a, b)))
#define __cold __attribute__((__cold__))
#define __weak __attribute__((__weak__))
#define __section(s) __attribute__((__section__(s)))
#define __noreturn __attribute__((__noreturn__))
#define __pure __attribute__((__pure__))
#define notrace
#define __visible __attribute__((__externally_visible__))
#define fallthrough __attribute__((__fallthrough__))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define barrier() __asm__ __volatile__("" : : : "memory")

#define __stringify_1(x...) #x
#define __stringify(x...) __stringify_1(x)
#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

#ifdef __cplusplus
#define __same_type(a, b) __builtin_types_compatible_p(decltype(a), decltype(b))
#else
#define __same_type(a, b) __builtin_types_compatible_p(typeof(a), typeof(b))
#endif

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)                                                                         \
    do {                                                                                           \
        *(volatile __typeof__(x) *)&(x) = (val);                                                   \
    } while (0)

#endif
