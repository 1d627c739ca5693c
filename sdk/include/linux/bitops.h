/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bit operations, as <linux/bitops.h> (with <linux/bits.h> and <linux/find.h>).
 *
 * set_bit, clear_bit, change_bit and the test_and_* forms are atomic; the test_and_* forms
 * are also full barriers, the others imply no ordering, as in Linux. The __-prefixed forms
 * are plain, non-atomic read-modify-writes.
 */
#ifndef _LKMFS_LINUX_BITOPS_H
#define _LKMFS_LINUX_BITOPS_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <lkmfs/kapi.h>

#define BITS_PER_BYTE 8
#ifndef BITS_PER_LONG
#define BITS_PER_LONG (__SIZEOF_LONG__ * 8)
#endif
#define BITS_PER_LONG_LONG 64
#define BITS_PER_TYPE(type) (sizeof(type) * BITS_PER_BYTE)
#define BITS_TO_LONGS(nr) (((nr) + BITS_PER_TYPE(long) - 1) / BITS_PER_TYPE(long))
#define BITS_TO_U64(nr) (((nr) + BITS_PER_TYPE(u64) - 1) / BITS_PER_TYPE(u64))
#define BITS_TO_U32(nr) (((nr) + BITS_PER_TYPE(u32) - 1) / BITS_PER_TYPE(u32))
#define BITS_TO_BYTES(nr) (((nr) + BITS_PER_BYTE - 1) / BITS_PER_BYTE)

#define BIT(nr) (1UL << (nr))
#define BIT_ULL(nr) (1ULL << (nr))
#define BIT_MASK(nr) (1UL << ((nr) % BITS_PER_LONG))
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BIT_ULL_MASK(nr) (1ULL << ((nr) % BITS_PER_LONG_LONG))
#define BIT_ULL_WORD(nr) ((nr) / BITS_PER_LONG_LONG)
/* Bits h..l (inclusive) set, h >= l. */
#define GENMASK(h, l) ((~0UL << (l)) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define GENMASK_ULL(h, l) ((~0ULL << (l)) & (~0ULL >> (BITS_PER_LONG_LONG - 1 - (h))))

/* ---- Single bits in a bitmap (an array of unsigned long) --------------------------------- */

static __always_inline void set_bit(long nr, volatile unsigned long *addr) {
    __atomic_fetch_or(addr + BIT_WORD(nr), BIT_MASK(nr), __ATOMIC_RELAXED);
}

static __always_inline void clear_bit(long nr, volatile unsigned long *addr) {
    __atomic_fetch_and(addr + BIT_WORD(nr), ~BIT_MASK(nr), __ATOMIC_RELAXED);
}

static __always_inline void change_bit(long nr, volatile unsigned long *addr) {
    __atomic_fetch_xor(addr + BIT_WORD(nr), BIT_MASK(nr), __ATOMIC_RELAXED);
}

static __always_inline bool test_and_set_bit(long nr, volatile unsigned long *addr) {
    return (__atomic_fetch_or(addr + BIT_WORD(nr), BIT_MASK(nr), __ATOMIC_SEQ_CST) &
            BIT_MASK(nr)) != 0;
}

static __always_inline bool test_and_clear_bit(long nr, volatile unsigned long *addr) {
    return (__atomic_fetch_and(addr + BIT_WORD(nr), ~BIT_MASK(nr), __ATOMIC_SEQ_CST) &
            BIT_MASK(nr)) != 0;
}

static __always_inline bool test_and_change_bit(long nr, volatile unsigned long *addr) {
    return (__atomic_fetch_xor(addr + BIT_WORD(nr), BIT_MASK(nr), __ATOMIC_SEQ_CST) &
            BIT_MASK(nr)) != 0;
}

/* Lock semantics: acquire on taking the bit, release on clearing it. */
static __always_inline bool test_and_set_bit_lock(long nr, volatile unsigned long *addr) {
    return (__atomic_fetch_or(addr + BIT_WORD(nr), BIT_MASK(nr), __ATOMIC_ACQUIRE) &
            BIT_MASK(nr)) != 0;
}

static __always_inline void clear_bit_unlock(long nr, volatile unsigned long *addr) {
    __atomic_fetch_and(addr + BIT_WORD(nr), ~BIT_MASK(nr), __ATOMIC_RELEASE);
}

static __always_inline void __clear_bit_unlock(long nr, volatile unsigned long *addr) {
    clear_bit_unlock(nr, addr);
}

static __always_inline void __set_bit(long nr, volatile unsigned long *addr) {
    addr[BIT_WORD(nr)] = addr[BIT_WORD(nr)] | BIT_MASK(nr);
}

static __always_inline void __clear_bit(long nr, volatile unsigned long *addr) {
    addr[BIT_WORD(nr)] = addr[BIT_WORD(nr)] & ~BIT_MASK(nr);
}

static __always_inline void __change_bit(long nr, volatile unsigned long *addr) {
    addr[BIT_WORD(nr)] = addr[BIT_WORD(nr)] ^ BIT_MASK(nr);
}

static __always_inline bool __test_and_set_bit(long nr, volatile unsigned long *addr) {
    unsigned long old = addr[BIT_WORD(nr)];

    addr[BIT_WORD(nr)] = old | BIT_MASK(nr);
    return (old & BIT_MASK(nr)) != 0;
}

static __always_inline bool __test_and_clear_bit(long nr, volatile unsigned long *addr) {
    unsigned long old = addr[BIT_WORD(nr)];

    addr[BIT_WORD(nr)] = old & ~BIT_MASK(nr);
    return (old & BIT_MASK(nr)) != 0;
}

static __always_inline bool __test_and_change_bit(long nr, volatile unsigned long *addr) {
    unsigned long old = addr[BIT_WORD(nr)];

    addr[BIT_WORD(nr)] = old ^ BIT_MASK(nr);
    return (old & BIT_MASK(nr)) != 0;
}

static __always_inline bool test_bit(long nr, const volatile unsigned long *addr) {
    return (addr[BIT_WORD(nr)] >> (nr & (BITS_PER_LONG - 1))) & 1UL;
}

static __always_inline bool test_bit_acquire(long nr, const volatile unsigned long *addr) {
    return (__atomic_load_n(addr + BIT_WORD(nr), __ATOMIC_ACQUIRE) >> (nr & (BITS_PER_LONG - 1))) &
           1UL;
}

/* ---- Finding bits in a word -------------------------------------------------------------- */

/* The C library declares ffs() too (same meaning): use the compiler's, never a libc call. */
#define ffs(x) __builtin_ffs(x)

/* Index of the lowest set bit; undefined for 0. */
static __always_inline unsigned long __ffs(unsigned long word) {
    return (unsigned long)__builtin_ctzl(word);
}

/* Index of the highest set bit; undefined for 0. */
static __always_inline unsigned long __fls(unsigned long word) {
    return (unsigned long)(BITS_PER_LONG - 1 - __builtin_clzl(word));
}

/* Index of the lowest clear bit; undefined for ~0UL. */
#define ffz(x) __ffs(~(x))

/* 1-based index of the highest set bit; 0 for 0. */
static __always_inline int fls(unsigned int x) {
    return x ? 32 - __builtin_clz(x) : 0;
}

static __always_inline int fls64(u64 x) {
    return x ? 64 - __builtin_clzll(x) : 0;
}

static __always_inline unsigned int fls_long(unsigned long l) {
    return (unsigned int)fls64(l);
}

static __always_inline unsigned long __ffs64(u64 word) {
    return (unsigned long)__builtin_ctzll(word);
}

static __always_inline unsigned int hweight8(unsigned int w) {
    return (unsigned int)__builtin_popcount(w & 0xffU);
}

static __always_inline unsigned int hweight16(unsigned int w) {
    return (unsigned int)__builtin_popcount(w & 0xffffU);
}

static __always_inline unsigned int hweight32(unsigned int w) {
    return (unsigned int)__builtin_popcount(w);
}

static __always_inline unsigned long hweight64(u64 w) {
    return (unsigned long)__builtin_popcountll(w);
}

static __always_inline unsigned long hweight_long(unsigned long w) {
    return (unsigned long)__builtin_popcountl(w);
}

/* The order of the smallest power of two >= count (count > 0). */
static inline int get_count_order(unsigned int count) {
    if (count == 0)
        return -1;
    return fls(--count);
}

static inline int get_count_order_long(unsigned long l) {
    if (l == 0UL)
        return -1;
    return (int)fls_long(--l);
}

static inline u64 rol64(u64 word, unsigned int shift) {
    return (word << (shift & 63)) | (word >> ((-shift) & 63));
}

static inline u64 ror64(u64 word, unsigned int shift) {
    return (word >> (shift & 63)) | (word << ((-shift) & 63));
}

static inline u32 rol32(u32 word, unsigned int shift) {
    return (word << (shift & 31)) | (word >> ((-shift) & 31));
}

static inline u32 ror32(u32 word, unsigned int shift) {
    return (word >> (shift & 31)) | (word << ((-shift) & 31));
}

static inline u16 rol16(u16 word, unsigned int shift) {
    return (u16)((word << (shift & 15)) | (word >> ((-shift) & 15)));
}

static inline u16 ror16(u16 word, unsigned int shift) {
    return (u16)((word >> (shift & 15)) | (word << ((-shift) & 15)));
}

static inline u8 rol8(u8 word, unsigned int shift) {
    return (u8)((word << (shift & 7)) | (word >> ((-shift) & 7)));
}

static inline u8 ror8(u8 word, unsigned int shift) {
    return (u8)((word >> (shift & 7)) | (word << ((-shift) & 7)));
}

/* value with bit `index` taken as the sign bit. */
static inline s32 sign_extend32(u32 value, int index) {
    u8 shift = (u8)(31 - index);

    return (s32)(value << shift) >> shift;
}

static inline s64 sign_extend64(u64 value, int index) {
    u8 shift = (u8)(63 - index);

    return (s64)(value << shift) >> shift;
}

/* ---- Finding bits in a bitmap of `size` bits (<linux/find.h>) ---------------------------- */

KAPI_BEGIN
/* Each returns the bit's index, or size when there is none. */
unsigned long find_first_bit(const unsigned long *addr, unsigned long size);
unsigned long find_next_bit(const unsigned long *addr, unsigned long size, unsigned long offset);
unsigned long find_first_zero_bit(const unsigned long *addr, unsigned long size);
unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
                                 unsigned long offset);
unsigned long find_last_bit(const unsigned long *addr, unsigned long size);
unsigned long find_next_and_bit(const unsigned long *addr1, const unsigned long *addr2,
                                unsigned long size, unsigned long offset);
KAPI_END

#define for_each_set_bit(bit, addr, size)                                                          \
    for ((bit) = 0; (bit) = find_next_bit((addr), (size), (bit)), (bit) < (size); (bit)++)
#define for_each_set_bit_from(bit, addr, size)                                                     \
    for (; (bit) = find_next_bit((addr), (size), (bit)), (bit) < (size); (bit)++)
#define for_each_clear_bit(bit, addr, size)                                                        \
    for ((bit) = 0; (bit) = find_next_zero_bit((addr), (size), (bit)), (bit) < (size); (bit)++)
#define for_each_clear_bit_from(bit, addr, size)                                                   \
    for (; (bit) = find_next_zero_bit((addr), (size), (bit)), (bit) < (size); (bit)++)

#endif
