/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bitmaps of any length, as <linux/bitmap.h>: arrays of unsigned long, bit 0 being the
 * lowest bit of the first word. Operations on whole bitmaps are not atomic; bits past
 * nbits in the last word are "don't care" and never read back.
 */
#ifndef _LKMFS_LINUX_BITMAP_H
#define _LKMFS_LINUX_BITMAP_H

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <lkmfs/kapi.h>

#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]

/* The bits of the first/last word that belong to a bitmap starting at `start` / of `nbits`. */
#define BITMAP_FIRST_WORD_MASK(start) (~0UL << ((start) & (BITS_PER_LONG - 1)))
#define BITMAP_LAST_WORD_MASK(nbits) (~0UL >> (-(nbits) & (BITS_PER_LONG - 1)))

KAPI_BEGIN
/* The return value of the binary operations: whether any bit of the result is set. */
bool bitmap_and(unsigned long *dst, const unsigned long *src1, const unsigned long *src2,
                unsigned int nbits);
void bitmap_or(unsigned long *dst, const unsigned long *src1, const unsigned long *src2,
               unsigned int nbits);
void bitmap_xor(unsigned long *dst, const unsigned long *src1, const unsigned long *src2,
                unsigned int nbits);
bool bitmap_andnot(unsigned long *dst, const unsigned long *src1, const unsigned long *src2,
                   unsigned int nbits);
void bitmap_complement(unsigned long *dst, const unsigned long *src, unsigned int nbits);
bool bitmap_equal(const unsigned long *src1, const unsigned long *src2, unsigned int nbits);
bool bitmap_intersects(const unsigned long *src1, const unsigned long *src2, unsigned int nbits);
/* Whether every bit of src1 is also set in src2. */
bool bitmap_subset(const unsigned long *src1, const unsigned long *src2, unsigned int nbits);
bool bitmap_empty(const unsigned long *src, unsigned int nbits);
bool bitmap_full(const unsigned long *src, unsigned int nbits);
unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits);
/* Sets / clears nbits bits from bit start on. */
void bitmap_set(unsigned long *map, unsigned int start, unsigned int nbits);
void bitmap_clear(unsigned long *map, unsigned int start, unsigned int nbits);
void bitmap_shift_right(unsigned long *dst, const unsigned long *src, unsigned int shift,
                        unsigned int nbits);
void bitmap_shift_left(unsigned long *dst, const unsigned long *src, unsigned int shift,
                       unsigned int nbits);
/*
 * The first index >= start of a run of nr clear bits whose index & align_mask is 0
 * (align_mask + 1 a power of two), or a value > size - nr if there is none.
 */
unsigned long bitmap_find_next_zero_area(unsigned long *map, unsigned long size,
                                         unsigned long start, unsigned int nr,
                                         unsigned long align_mask);
/* Prints "0-3,7" (list) or "8f" (mask) and a newline into buf (4096 bytes); the length. */
int bitmap_print_to_pagebuf(bool list, char *buf, const unsigned long *maskp, int nmaskbits);
KAPI_END

static inline void bitmap_zero(unsigned long *dst, unsigned int nbits) {
    memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline void bitmap_fill(unsigned long *dst, unsigned int nbits) {
    memset(dst, 0xff, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline void bitmap_copy(unsigned long *dst, const unsigned long *src, unsigned int nbits) {
    memcpy(dst, src, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

/* Allocated bitmaps are charged to the calling module, like any kmalloc. */
static inline unsigned long *bitmap_alloc(unsigned int nbits, gfp_t flags) {
#ifdef __cplusplus
    return static_cast<unsigned long *>(
        kmalloc_array(BITS_TO_LONGS(nbits), sizeof(unsigned long), flags));
#else
    return kmalloc_array(BITS_TO_LONGS(nbits), sizeof(unsigned long), flags);
#endif
}

static inline unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags) {
    return bitmap_alloc(nbits, flags | __GFP_ZERO);
}

static inline void bitmap_free(const unsigned long *bitmap) {
    kfree(bitmap);
}

#endif
