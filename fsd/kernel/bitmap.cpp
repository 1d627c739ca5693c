// Bitmaps and bit searches (<linux/bitmap.h>, <linux/find.h>): word-at-a-time loops over
// arrays of unsigned long, bit i being bit (i % BITS_PER_LONG) of word (i / BITS_PER_LONG).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include <linux/bitmap.h>
#include <linux/bitops.h>

namespace {

constexpr unsigned long kWordBits = BITS_PER_LONG;

unsigned long word_index(unsigned long bit) {
    return bit / kWordBits;
}
// The bits of word w that lie in [0, nbits).
unsigned long tail_mask(unsigned long nbits) {
    return BITMAP_LAST_WORD_MASK(nbits);
}
unsigned long full_words(unsigned long nbits) {
    return nbits / kWordBits;
}
bool has_tail(unsigned long nbits) {
    return nbits % kWordBits != 0;
}

// The first bit >= start that is set in (word(i) ^ invert), or size.
template <class Word>
unsigned long find_next(Word word, unsigned long size, unsigned long start) {
    if (start >= size)
        return size;
    unsigned long i = word_index(start);
    unsigned long bits = word(i) & BITMAP_FIRST_WORD_MASK(start);
    while (bits == 0) {
        ++i;
        if (i * kWordBits >= size)
            return size;
        bits = word(i);
    }
    unsigned long found = i * kWordBits + __ffs(bits);
    return found < size ? found : size;
}

} // namespace

extern "C" unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
                                       unsigned long offset) {
    return find_next([addr](unsigned long i) { return addr[i]; }, size, offset);
}

extern "C" unsigned long find_first_bit(const unsigned long *addr, unsigned long size) {
    return find_next_bit(addr, size, 0);
}

extern "C" unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
                                            unsigned long offset) {
    return find_next([addr](unsigned long i) { return ~addr[i]; }, size, offset);
}

extern "C" unsigned long find_first_zero_bit(const unsigned long *addr, unsigned long size) {
    return find_next_zero_bit(addr, size, 0);
}

extern "C" unsigned long find_next_and_bit(const unsigned long *addr1, const unsigned long *addr2,
                                           unsigned long size, unsigned long offset) {
    return find_next([addr1, addr2](unsigned long i) { return addr1[i] & addr2[i]; }, size, offset);
}

extern "C" unsigned long find_last_bit(const unsigned long *addr, unsigned long size) {
    if (size == 0)
        return size;
    unsigned long i = word_index(size - 1);
    unsigned long bits = addr[i] & tail_mask(size);
    for (;;) {
        if (bits != 0)
            return i * kWordBits + __fls(bits);
        if (i == 0)
            return size;
        bits = addr[--i];
    }
}

// ---- Whole-bitmap operations ----------------------------------------------------------------

namespace {

// Applies op to every word of dst (the last one masked to nbits when op's result is read).
template <class Op>
bool combine(unsigned long *dst, unsigned int nbits, Op op) {
    unsigned long any = 0;
    unsigned long words = full_words(nbits);
    for (unsigned long i = 0; i < words; ++i)
        any |= (dst[i] = op(i));
    if (has_tail(nbits))
        any |= (dst[words] = op(words)) & tail_mask(nbits);
    return any != 0;
}

// Whether pred(word i, mask of the bits in range) holds for every word.
template <class Pred>
bool all_words(unsigned int nbits, Pred pred) {
    unsigned long words = full_words(nbits);
    for (unsigned long i = 0; i < words; ++i)
        if (!pred(i, ~0UL))
            return false;
    return !has_tail(nbits) || pred(words, tail_mask(nbits));
}

} // namespace

extern "C" bool bitmap_and(unsigned long *dst, const unsigned long *src1, const unsigned long *src2,
                           unsigned int nbits) {
    return combine(dst, nbits, [=](unsigned long i) { return src1[i] & src2[i]; });
}

extern "C" void bitmap_or(unsigned long *dst, const unsigned long *src1, const unsigned long *src2,
                          unsigned int nbits) {
    combine(dst, nbits, [=](unsigned long i) { return src1[i] | src2[i]; });
}

extern "C" void bitmap_xor(unsigned long *dst, const unsigned long *src1, const unsigned long *src2,
                           unsigned int nbits) {
    combine(dst, nbits, [=](unsigned long i) { return src1[i] ^ src2[i]; });
}

extern "C" bool bitmap_andnot(unsigned long *dst, const unsigned long *src1,
                              const unsigned long *src2, unsigned int nbits) {
    return combine(dst, nbits, [=](unsigned long i) { return src1[i] & ~src2[i]; });
}

extern "C" void bitmap_complement(unsigned long *dst, const unsigned long *src,
                                  unsigned int nbits) {
    combine(dst, nbits, [=](unsigned long i) { return ~src[i]; });
}

extern "C" bool bitmap_equal(const unsigned long *src1, const unsigned long *src2,
                             unsigned int nbits) {
    return all_words(nbits, [=](unsigned long i, unsigned long mask) {
        return ((src1[i] ^ src2[i]) & mask) == 0;
    });
}

extern "C" bool bitmap_intersects(const unsigned long *src1, const unsigned long *src2,
                                  unsigned int nbits) {
    return !all_words(nbits, [=](unsigned long i, unsigned long mask) {
        return (src1[i] & src2[i] & mask) == 0;
    });
}

extern "C" bool bitmap_subset(const unsigned long *src1, const unsigned long *src2,
                              unsigned int nbits) {
    return all_words(nbits, [=](unsigned long i, unsigned long mask) {
        return (src1[i] & ~src2[i] & mask) == 0;
    });
}

extern "C" bool bitmap_empty(const unsigned long *src, unsigned int nbits) {
    return all_words(nbits,
                     [=](unsigned long i, unsigned long mask) { return (src[i] & mask) == 0; });
}

extern "C" bool bitmap_full(const unsigned long *src, unsigned int nbits) {
    return all_words(nbits,
                     [=](unsigned long i, unsigned long mask) { return (~src[i] & mask) == 0; });
}

extern "C" unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits) {
    unsigned long weight = 0;
    unsigned long words = full_words(nbits);
    for (unsigned long i = 0; i < words; ++i)
        weight += hweight_long(src[i]);
    if (has_tail(nbits))
        weight += hweight_long(src[words] & tail_mask(nbits));
    return static_cast<unsigned int>(weight);
}

extern "C" void bitmap_set(unsigned long *map, unsigned int start, unsigned int nbits) {
    for (unsigned long bit = start, end = static_cast<unsigned long>(start) + nbits; bit < end;) {
        unsigned long i = word_index(bit);
        unsigned long word_end = (i + 1) * kWordBits;
        unsigned long mask = BITMAP_FIRST_WORD_MASK(bit);
        if (end < word_end)
            mask &= tail_mask(end);
        map[i] |= mask;
        bit = word_end;
    }
}

extern "C" void bitmap_clear(unsigned long *map, unsigned int start, unsigned int nbits) {
    for (unsigned long bit = start, end = static_cast<unsigned long>(start) + nbits; bit < end;) {
        unsigned long i = word_index(bit);
        unsigned long word_end = (i + 1) * kWordBits;
        unsigned long mask = BITMAP_FIRST_WORD_MASK(bit);
        if (end < word_end)
            mask &= tail_mask(end);
        map[i] &= ~mask;
        bit = word_end;
    }
}

// Shifts bit by bit through a copy: simple, and dst may alias src.
extern "C" void bitmap_shift_right(unsigned long *dst, const unsigned long *src, unsigned int shift,
                                   unsigned int nbits) {
    for (unsigned int bit = 0; bit < nbits; ++bit) {
        bool set = bit + static_cast<unsigned long>(shift) < nbits && test_bit(bit + shift, src);
        if (set)
            __set_bit(bit, dst);
        else
            __clear_bit(bit, dst);
    }
}

extern "C" void bitmap_shift_left(unsigned long *dst, const unsigned long *src, unsigned int shift,
                                  unsigned int nbits) {
    for (unsigned int bit = nbits; bit-- > 0;) {
        bool set = bit >= shift && test_bit(bit - shift, src);
        if (set)
            __set_bit(bit, dst);
        else
            __clear_bit(bit, dst);
    }
}

extern "C" unsigned long bitmap_find_next_zero_area(unsigned long *map, unsigned long size,
                                                    unsigned long start, unsigned int nr,
                                                    unsigned long align_mask) {
    for (;;) {
        unsigned long index = find_next_zero_bit(map, size, start);
        index = (index + align_mask) & ~align_mask;
        unsigned long end = index + nr;
        if (end > size)
            return end; // > size - nr: no room
        unsigned long busy = find_next_bit(map, end, index);
        if (busy >= end)
            return index;
        start = busy + 1;
    }
}

extern "C" int bitmap_print_to_pagebuf(bool list, char *buf, const unsigned long *maskp,
                                       int nmaskbits) {
    constexpr std::size_t kPageSize = 4096;
    std::string out;
    auto size = static_cast<unsigned long>(nmaskbits < 0 ? 0 : nmaskbits);
    char piece[64];
    if (list) {
        for (unsigned long lo = find_first_bit(maskp, size); lo < size;) {
            unsigned long hi = find_next_zero_bit(maskp, size, lo + 1) - 1;
            const char *sep = out.empty() ? "" : ",";
            if (lo == hi)
                std::snprintf(piece, sizeof piece, "%s%lu", sep, lo);
            else
                std::snprintf(piece, sizeof piece, "%s%lu-%lu", sep, lo, hi);
            out += piece;
            lo = find_next_bit(maskp, size, hi + 1);
        }
    } else {
        // 32-bit hex groups, highest first, separated by commas, as the kernel prints masks.
        unsigned long groups = (size + 31) / 32;
        for (unsigned long g = groups; g-- > 0;) {
            unsigned long value = 0;
            for (unsigned long bit = g * 32; bit < std::min(size, g * 32 + 32); ++bit)
                if (test_bit(static_cast<long>(bit), maskp))
                    value |= 1UL << (bit - g * 32);
            bool top = g + 1 == groups;
            int digits = top && size % 32 != 0 ? static_cast<int>((size % 32 + 3) / 4) : 8;
            std::snprintf(piece, sizeof piece, "%s%0*lx", top ? "" : ",", digits, value);
            out += piece;
        }
    }
    out.resize(std::min(out.size(), kPageSize - 2));
    out += '\n';
    std::memcpy(buf, out.c_str(), out.size() + 1);
    return static_cast<int>(out.size());
}
