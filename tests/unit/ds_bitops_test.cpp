// <linux/bitops.h>, <linux/bitmap.h>, <linux/log2.h>, <linux/hash.h>: single bits (atomic
// and not), searches against a std::vector<bool> model, whole-bitmap operations.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/hash.h>
#include <linux/log2.h>

namespace {

TEST(Bitops, SingleBitOperations) {
    DECLARE_BITMAP(map, 130);
    bitmap_zero(map, 130);
    set_bit(0, map);
    set_bit(129, map);
    EXPECT_TRUE(test_bit(0, map));
    EXPECT_TRUE(test_bit(129, map));
    EXPECT_EQ(map[2], 2UL);
    clear_bit(0, map);
    EXPECT_FALSE(test_bit(0, map));
    change_bit(5, map);
    EXPECT_TRUE(test_bit(5, map));
    change_bit(5, map);
    EXPECT_FALSE(test_bit(5, map));
    EXPECT_FALSE(test_and_set_bit(70, map));
    EXPECT_TRUE(test_and_set_bit(70, map));
    EXPECT_TRUE(test_and_clear_bit(70, map));
    EXPECT_FALSE(test_and_clear_bit(70, map));
    EXPECT_FALSE(test_and_change_bit(71, map));
    EXPECT_TRUE(test_and_change_bit(71, map));
    __set_bit(3, map);
    __clear_bit(129, map);
    __change_bit(4, map);
    EXPECT_FALSE(__test_and_set_bit(8, map));
    EXPECT_TRUE(__test_and_clear_bit(8, map));
    EXPECT_FALSE(__test_and_change_bit(9, map));
    EXPECT_EQ(map[0], (1UL << 3) | (1UL << 4) | (1UL << 9));
    EXPECT_FALSE(test_and_set_bit_lock(100, map));
    clear_bit_unlock(100, map);
    EXPECT_FALSE(test_bit_acquire(100, map));
}

TEST(Bitops, AtomicSetBitDoesNotLoseUpdates) {
    DECLARE_BITMAP(map, 512);
    bitmap_zero(map, 512);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&map, t] {
            for (long bit = t; bit < 512; bit += 4)
                set_bit(bit, map);
        });
    for (auto &t : threads)
        t.join();
    EXPECT_TRUE(bitmap_full(map, 512));
}

TEST(Bitops, WordHelpers) {
    EXPECT_EQ(BIT(3), 8UL);
    EXPECT_EQ(BIT_ULL(40), 1ULL << 40);
    EXPECT_EQ(GENMASK(15, 8), 0xff00UL);
    EXPECT_EQ(GENMASK_ULL(63, 62), 0xc000000000000000ULL);
    EXPECT_EQ(BITS_TO_LONGS(64), 1UL);
    EXPECT_EQ(BITS_TO_LONGS(65), 2UL);
    EXPECT_EQ(BIT_WORD(64), 1);
    EXPECT_EQ(ffs(0), 0);
    EXPECT_EQ(ffs(0x18), 4);
    EXPECT_EQ(__ffs(0x18UL), 3UL);
    EXPECT_EQ(__fls(0x18UL), 4UL);
    EXPECT_EQ(ffz(0x7UL), 3UL);
    EXPECT_EQ(fls(0), 0);
    EXPECT_EQ(fls(1), 1);
    EXPECT_EQ(fls(0x80000000U), 32);
    EXPECT_EQ(fls64(1ULL << 40), 41);
    EXPECT_EQ(hweight8(0x1ff), 8U);
    EXPECT_EQ(hweight16(0xffff), 16U);
    EXPECT_EQ(hweight32(0xf0f0f0f0), 16U);
    EXPECT_EQ(hweight64(~0ULL), 64UL);
    EXPECT_EQ(get_count_order(1), 0);
    EXPECT_EQ(get_count_order(5), 3);
    EXPECT_EQ(rol32(0x80000001U, 1), 3U);
    EXPECT_EQ(ror32(3U, 1), 0x80000001U);
    EXPECT_EQ(rol8(0x81, 1), 3);
    EXPECT_EQ(sign_extend32(0x80, 7), -128);
    EXPECT_EQ(sign_extend64(0x7f, 7), 127);
}

TEST(Bitops, Log2AndHash) {
    static_assert(ilog2(4096) == 12, "ilog2 folds to a constant");
    EXPECT_EQ(ilog2(1), 0);
    EXPECT_EQ(ilog2(3UL), 1);
    EXPECT_EQ(ilog2(1ULL << 50), 50);
    EXPECT_EQ(roundup_pow_of_two(1), 1UL);
    EXPECT_EQ(roundup_pow_of_two(17), 32UL);
    EXPECT_EQ(rounddown_pow_of_two(17), 16UL);
    EXPECT_EQ(order_base_2(1), 0);
    EXPECT_EQ(order_base_2(5), 3);
    EXPECT_TRUE(is_power_of_2(1));
    EXPECT_FALSE(is_power_of_2(0));
    EXPECT_FALSE(is_power_of_2(6));
    // The multiplicative hash: top bits of val * GOLDEN_RATIO.
    EXPECT_EQ(hash_32(1, 32), GOLDEN_RATIO_32);
    EXPECT_EQ(hash_32(1, 4), GOLDEN_RATIO_32 >> 28);
    EXPECT_EQ(hash_64(1, 16), static_cast<u32>(GOLDEN_RATIO_64 >> 48));
    std::vector<int> buckets(16);
    for (u32 v = 0; v < 1600; ++v)
        buckets[hash_32(v, 4)]++;
    for (int count : buckets)
        EXPECT_GT(count, 50); // spread over every bucket
}

TEST(Bitmap, FindMatchesAModel) {
    std::mt19937 rng(3);
    for (unsigned int size : {1U, 63U, 64U, 65U, 200U, 1000U}) {
        std::vector<unsigned long> map(BITS_TO_LONGS(size));
        std::vector<bool> model(size);
        for (unsigned int i = 0; i < size; ++i)
            if (rng() % 5 == 0) {
                set_bit(i, map.data());
                model[i] = true;
            }
        for (unsigned long from = 0; from <= size; ++from) {
            unsigned long want_set = size, want_clear = size;
            for (unsigned long i = from; i < size; ++i)
                if (model[i]) {
                    want_set = i;
                    break;
                }
            for (unsigned long i = from; i < size; ++i)
                if (!model[i]) {
                    want_clear = i;
                    break;
                }
            ASSERT_EQ(find_next_bit(map.data(), size, from), want_set) << size << " " << from;
            ASSERT_EQ(find_next_zero_bit(map.data(), size, from), want_clear);
        }
        unsigned long last = size;
        for (unsigned long i = 0; i < size; ++i)
            if (model[i])
                last = i;
        EXPECT_EQ(find_last_bit(map.data(), size), last);
        unsigned long bit, count = 0, clear = 0;
        for_each_set_bit(bit, map.data(), size) {
            EXPECT_TRUE(model[bit]);
            ++count;
        }
        for_each_clear_bit(bit, map.data(), size) {
            EXPECT_FALSE(model[bit]);
            ++clear;
        }
        EXPECT_EQ(count + clear, size);
        EXPECT_EQ(bitmap_weight(map.data(), size), count);
    }
}

TEST(Bitmap, WholeMapOperations) {
    constexpr unsigned int kBits = 100;
    DECLARE_BITMAP(a, kBits);
    DECLARE_BITMAP(b, kBits);
    DECLARE_BITMAP(r, kBits);
    bitmap_zero(a, kBits);
    bitmap_zero(b, kBits);
    EXPECT_TRUE(bitmap_empty(a, kBits));
    bitmap_set(a, 10, 60); // 10..69
    bitmap_set(b, 60, 30); // 60..89
    EXPECT_EQ(bitmap_weight(a, kBits), 60U);
    EXPECT_TRUE(bitmap_and(r, a, b, kBits));
    EXPECT_EQ(bitmap_weight(r, kBits), 10U);
    EXPECT_EQ(find_first_bit(r, kBits), 60UL);
    bitmap_or(r, a, b, kBits);
    EXPECT_EQ(bitmap_weight(r, kBits), 80U);
    bitmap_xor(r, a, b, kBits);
    EXPECT_EQ(bitmap_weight(r, kBits), 70U);
    EXPECT_TRUE(bitmap_andnot(r, a, b, kBits));
    EXPECT_EQ(bitmap_weight(r, kBits), 50U);
    EXPECT_TRUE(bitmap_subset(r, a, kBits));
    EXPECT_FALSE(bitmap_subset(a, r, kBits));
    EXPECT_TRUE(bitmap_intersects(a, b, kBits));
    bitmap_complement(r, a, kBits);
    EXPECT_EQ(bitmap_weight(r, kBits), 40U);
    EXPECT_FALSE(bitmap_intersects(r, a, kBits));
    bitmap_copy(r, a, kBits);
    EXPECT_TRUE(bitmap_equal(r, a, kBits));
    bitmap_clear(r, 0, 65);
    EXPECT_EQ(bitmap_weight(r, kBits), 5U);
    bitmap_fill(r, kBits);
    EXPECT_TRUE(bitmap_full(r, kBits));
    r[1] &= ~(1UL << 63); // a bit past nbits: ignored by the tail word mask
    EXPECT_TRUE(bitmap_full(r, 100));

    bitmap_zero(r, kBits);
    bitmap_set(r, 0, 3);
    bitmap_shift_left(r, r, 62, kBits);
    EXPECT_EQ(find_first_bit(r, kBits), 62UL);
    EXPECT_EQ(bitmap_weight(r, kBits), 3U);
    bitmap_shift_right(r, r, 60, kBits);
    EXPECT_EQ(find_first_bit(r, kBits), 2UL);

    bitmap_zero(r, kBits);
    bitmap_set(r, 0, 5);
    bitmap_set(r, 9, 1);
    EXPECT_EQ(bitmap_find_next_zero_area(r, kBits, 0, 4, 0), 5UL);
    EXPECT_EQ(bitmap_find_next_zero_area(r, kBits, 0, 4, 7), 16UL);
    EXPECT_GT(bitmap_find_next_zero_area(r, kBits, 0, 200, 0) + 200, kBits); // > size - nr

    char page[4096];
    bitmap_set(r, 20, 3);
    EXPECT_EQ(bitmap_print_to_pagebuf(true, page, r, kBits), 12);
    EXPECT_EQ(std::string(page), "0-4,9,20-22\n");
    bitmap_zero(r, 40);
    bitmap_set(r, 0, 4);
    bitmap_set(r, 32, 1);
    bitmap_print_to_pagebuf(false, page, r, 40);
    EXPECT_EQ(std::string(page), "01,0000000f\n");

    unsigned long *heap = bitmap_zalloc(1000, GFP_KERNEL);
    ASSERT_NE(heap, nullptr);
    EXPECT_TRUE(bitmap_empty(heap, 1000));
    bitmap_free(heap);
}

} // namespace
