/* SPDX-License-Identifier: GPL-2.0 */
/* Integer base-2 logarithms and powers of two, as <linux/log2.h>. */
#ifndef _LKMFS_LINUX_LOG2_H
#define _LKMFS_LINUX_LOG2_H

#include <linux/types.h>
#include <linux/bitops.h>

/*
 * floor(log2(n)) for n > 0; a constant expression when n is one (array sizes, static
 * initialisers). ilog2(0) and ilog2(1) are 0 here; Linux leaves ilog2(0) undefined.
 */
#define ilog2(n) ((n) < 2 ? 0 : 63 - __builtin_clzll((unsigned long long)(n)))
#define const_ilog2(n) ilog2(n)

static inline __attribute__((const)) bool is_power_of_2(unsigned long n) {
    return n != 0 && ((n & (n - 1)) == 0);
}

/* The smallest power of two >= n (n > 0). */
#define roundup_pow_of_two(n)                                                                      \
    ((unsigned long)((n) <= 1 ? 1UL : 1UL << (ilog2((unsigned long)(n)-1) + 1)))
/* The largest power of two <= n (n > 0). */
#define rounddown_pow_of_two(n) ((unsigned long)(1UL << ilog2(n)))
/* ceil(log2(n)); 0 for n <= 1. */
#define order_base_2(n) ((n) > 1 ? ilog2((n)-1) + 1 : 0)
/* The number of bits needed to hold n. */
#define bits_per(n) ((n) < 2 ? 1 : ilog2(n) + 1)

#endif
