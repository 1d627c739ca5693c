/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiplicative hashing, as <linux/hash.h>: hash_32/hash_64 keep the top `bits` bits of
 * the key times a constant close to 2^w/phi, so keys that differ only in their low bits
 * still spread over the table. The same inputs give the same values as in Linux.
 */
#ifndef _LKMFS_LINUX_HASH_H
#define _LKMFS_LINUX_HASH_H

#include <linux/types.h>
#include <linux/compiler.h>

#define GOLDEN_RATIO_32 0x61C88647U
#define GOLDEN_RATIO_64 0x61C8864680B583EBULL

#if __SIZEOF_LONG__ == 8
#define GOLDEN_RATIO_PRIME GOLDEN_RATIO_64
#define hash_long(val, bits) hash_64(val, bits)
#else
#define GOLDEN_RATIO_PRIME GOLDEN_RATIO_32
#define hash_long(val, bits) hash_32(val, bits)
#endif

static inline u32 __hash_32(u32 val) {
    return val * GOLDEN_RATIO_32;
}

/* A hash of val in [0, 2^bits); bits in 1..32. */
static inline u32 hash_32(u32 val, unsigned int bits) {
    return __hash_32(val) >> (32 - bits);
}

/* A hash of val in [0, 2^bits); bits in 1..64. */
static __always_inline u32 hash_64(u64 val, unsigned int bits) {
    return (u32)((val * GOLDEN_RATIO_64) >> (64 - bits));
}

static inline u32 hash_ptr(const void *ptr, unsigned int bits) {
    return hash_long((unsigned long)ptr, bits);
}

/* A 32-bit value from a pointer, for hashing. */
static inline u32 hash32_ptr(const void *ptr) {
    unsigned long val = (unsigned long)ptr;

#if __SIZEOF_LONG__ == 8
    val ^= (val >> 32);
#endif
    return (u32)val;
}

#endif
