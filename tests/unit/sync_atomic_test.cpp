// atomic_t, atomic64_t and atomic_long_t (<linux/atomic.h>): each operation's result as
// Linux defines it, and real atomicity under concurrent updates.
#include "sync_test_support.h"

#include <climits>

#include <linux/atomic.h>

namespace lkmfs::kernel::sync_test {
namespace {

TEST(SyncAtomicTest, ReadSetAddSub) {
    atomic_t v = ATOMIC_INIT(5);
    EXPECT_EQ(atomic_read(&v), 5);
    atomic_set(&v, 10);
    atomic_add(3, &v);
    atomic_sub(1, &v);
    atomic_inc(&v);
    atomic_dec(&v);
    EXPECT_EQ(atomic_read(&v), 12);
}

TEST(SyncAtomicTest, ReturningOperations) {
    atomic_t v = ATOMIC_INIT(0);
    EXPECT_EQ(atomic_add_return(4, &v), 4);
    EXPECT_EQ(atomic_sub_return(1, &v), 3);
    EXPECT_EQ(atomic_inc_return(&v), 4);
    EXPECT_EQ(atomic_dec_return(&v), 3);
    EXPECT_EQ(atomic_fetch_add(2, &v), 3);
    EXPECT_EQ(atomic_fetch_sub(1, &v), 5);
    EXPECT_EQ(atomic_xchg(&v, 9), 4);
    EXPECT_EQ(atomic_cmpxchg(&v, 1, 2), 9) << "no store when the old value differs";
    EXPECT_EQ(atomic_cmpxchg(&v, 9, 2), 9);
    EXPECT_EQ(atomic_read(&v), 2);
    int old = 7;
    EXPECT_FALSE(atomic_try_cmpxchg(&v, &old, 3));
    EXPECT_EQ(old, 2);
    EXPECT_TRUE(atomic_try_cmpxchg(&v, &old, 3));
    EXPECT_EQ(atomic_read(&v), 3);
}

TEST(SyncAtomicTest, TestsAsTheSeedDescribes) {
    atomic_t v = ATOMIC_INIT(-1);
    EXPECT_TRUE(atomic_inc_and_test(&v)) << "-1 + 1 == 0";
    EXPECT_FALSE(atomic_inc_and_test(&v));
    EXPECT_TRUE(atomic_dec_and_test(&v));
    atomic_set(&v, 5);
    EXPECT_TRUE(atomic_sub_and_test(5, &v));
    EXPECT_TRUE(atomic_add_negative(-1, &v));
    EXPECT_FALSE(atomic_add_negative(1, &v));
}

TEST(SyncAtomicTest, AddUnlessAndFriends) {
    atomic_t v = ATOMIC_INIT(3);
    EXPECT_TRUE(atomic_add_unless(&v, 2, 4)) << "added: the value was not 4";
    EXPECT_EQ(atomic_read(&v), 5);
    EXPECT_FALSE(atomic_add_unless(&v, 2, 5)) << "not added: the value was 5";
    EXPECT_EQ(atomic_read(&v), 5);
    EXPECT_EQ(atomic_fetch_add_unless(&v, 1, 0), 5);
    atomic_set(&v, 0);
    EXPECT_FALSE(atomic_inc_not_zero(&v));
    EXPECT_EQ(atomic_read(&v), 0);
    EXPECT_EQ(atomic_dec_if_positive(&v), -1);
    EXPECT_EQ(atomic_read(&v), 0) << "not decremented below zero";
    atomic_set(&v, 2);
    EXPECT_EQ(atomic_dec_if_positive(&v), 1);
}

TEST(SyncAtomicTest, BitOperations) {
    atomic_t v = ATOMIC_INIT(0x0f);
    atomic_or(0x30, &v);
    atomic_and(0x3c, &v);
    atomic_xor(0x01, &v);
    atomic_andnot(0x04, &v);
    EXPECT_EQ(atomic_read(&v), 0x39);
    EXPECT_EQ(atomic_fetch_or(0x40, &v), 0x39);
    EXPECT_EQ(atomic_fetch_and(0x0f, &v), 0x79);
    EXPECT_EQ(atomic_fetch_andnot(0x01, &v), 0x09);
    EXPECT_EQ(atomic_read(&v), 0x08);
}

TEST(SyncAtomicTest, SixtyFourBitAndLong) {
    atomic64_t v = ATOMIC64_INIT(0);
    EXPECT_EQ(atomic64_add_return(1LL << 40, &v), 1LL << 40);
    EXPECT_TRUE(atomic64_add_unless(&v, 1, 0));
    EXPECT_EQ(atomic64_read(&v), (1LL << 40) + 1);
    atomic_long_t l = ATOMIC_LONG_INIT(LONG_MAX - 1);
    EXPECT_EQ(atomic_long_inc_return(&l), LONG_MAX);
    EXPECT_TRUE((atomic_long_dec_and_test(&l) == false));
}

TEST(SyncAtomicTest, ConcurrentIncrementsAreNeverLost) {
    atomic_t counter = ATOMIC_INIT(0);
    atomic64_t sum = ATOMIC64_INIT(0);
    constexpr int kThreads = 8;
    constexpr int kPerThread = 50000;
    run_threads(kThreads, [&](int i) {
        for (int n = 0; n < kPerThread; ++n) {
            atomic_inc(&counter);
            atomic64_add(i, &sum);
        }
    });
    EXPECT_EQ(atomic_read(&counter), kThreads * kPerThread);
    EXPECT_EQ(atomic64_read(&sum), static_cast<s64>(kPerThread) * (0 + 7) * kThreads / 2);
}

TEST(SyncAtomicTest, CmpxchgLoopIsAtomic) {
    atomic_t v = ATOMIC_INIT(0);
    run_threads(4, [&](int) {
        for (int n = 0; n < 20000; ++n) {
            int old = atomic_read(&v);
            while (!atomic_try_cmpxchg(&v, &old, old + 2)) {
            }
        }
    });
    EXPECT_EQ(atomic_read(&v), 4 * 20000 * 2);
}

} // namespace
} // namespace lkmfs::kernel::sync_test
