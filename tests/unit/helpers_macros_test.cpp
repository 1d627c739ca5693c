// The <linux/kernel.h>, <linux/bug.h>, <asm/barrier.h> and <linux/string.h> helpers of
// item 2 that are macros or small functions: the values Linux gives.
#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "kernel/taint.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <unistd.h>

#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/barrier.h>

namespace {

struct Sample {
    int a;
    char name[24];
    unsigned long long big;
};

TEST(HelpersMacros, MinMaxClampFamily) {
    EXPECT_EQ(min3(5, 2, 9), 2);
    EXPECT_EQ(max3(5, 2, 9), 9);
    EXPECT_EQ(clamp_t(int, 300, 0, 255), 255);
    EXPECT_EQ(clamp_t(int, -4, 0, 255), 0);
    EXPECT_EQ(clamp_t(unsigned char, 7, 1, 9), 7);
    EXPECT_EQ(clamp(15, 1, 10), 10);
}

TEST(HelpersMacros, SwapAbsAndRounding) {
    int x = 1, y = 2;
    swap(x, y);
    EXPECT_EQ(x, 2);
    EXPECT_EQ(y, 1);
    EXPECT_EQ(abs(-5), 5);
    EXPECT_EQ(abs(-5L), 5L);
    EXPECT_EQ(DIV_ROUND_CLOSEST(7, 2), 4);
    EXPECT_EQ(DIV_ROUND_CLOSEST(5, 3), 2);
    EXPECT_EQ(DIV_ROUND_CLOSEST(-7, 2), -4);
    EXPECT_EQ(DIV_ROUND_CLOSEST(10U, 4U), 3U);
    EXPECT_EQ(DIV_ROUND_CLOSEST(0, 5), 0);
    EXPECT_EQ(DIV_ROUND_CLOSEST_ULL(10ULL, 4), 3ULL);
    EXPECT_EQ(DIV_ROUND_UP(10, 4), 3);
}

TEST(HelpersMacros, FieldSizesBitsAndStrings) {
    EXPECT_EQ(sizeof_field(Sample, name), 24U);
    EXPECT_EQ(FIELD_SIZEOF(Sample, big), 8U);
    EXPECT_EQ(BIT(0), 1UL);
    EXPECT_EQ(BIT(5), 32UL);
    EXPECT_EQ(BIT(63), 0x8000000000000000UL);
    EXPECT_EQ(GENMASK(7, 4), 0xf0UL);
    EXPECT_EQ(GENMASK(63, 0), ~0UL);
    EXPECT_EQ(GENMASK_ULL(39, 21), 0x000000ffffe00000ULL);
    EXPECT_STREQ(__stringify(BIT(3)), "(1UL << (3))");
    EXPECT_STREQ(__stringify(abc), "abc");
}

TEST(HelpersMacros, OnceAccessAndBarriers) {
    int v = 0;
    WRITE_ONCE(v, 7);
    smp_wmb();
    smp_mb();
    mb();
    smp_rmb();
    rmb();
    wmb();
    barrier();
    EXPECT_EQ(READ_ONCE(v), 7);
    smp_store_release(&v, 9);
    EXPECT_EQ(smp_load_acquire(&v), 9);
    EXPECT_TRUE(likely(v == 9));
    EXPECT_FALSE(unlikely(v != 9));
    BUILD_BUG_ON(sizeof(int) != 4);
    BUILD_BUG_ON_MSG(sizeof(long) != 8, "LP64");
}

TEST(HelpersMacros, SscanfAsModulesUseIt) {
    int a = 0;
    unsigned int b = 0;
    char word[16] = {};
    EXPECT_EQ(sscanf("12 0x1f name", "%d %x %15s", &a, &b, word), 3);
    EXPECT_EQ(a, 12);
    EXPECT_EQ(b, 0x1fU);
    EXPECT_STREQ(word, "name");
    EXPECT_EQ(sscanf("nope", "%d", &a), 0);
}

class UserDupTest : public ::testing::Test {
  protected:
    static lkmfs::kernel::KernelOptions quiet() {
        lkmfs::kernel::KernelOptions o;
        o.console_loglevel = 0;
        return o;
    }
    lkmfs::kernel::Kernel kernel_{quiet()};
};

TEST_F(UserDupTest, MemdupUserCopiesTheWindowOnly) {
    char user[] = "hello user";
    lkmfs::kernel::UserWindowScope window(user, sizeof user, false);
    auto *p = static_cast<char *>(memdup_user(user, sizeof user));
    ASSERT_FALSE(IS_ERR(p));
    EXPECT_STREQ(p, "hello user");
    kfree(p);
    EXPECT_EQ(PTR_ERR(memdup_user(user + 4, sizeof user)), -EFAULT); // runs past the window
    char *nul = memdup_user_nul(user, 5);
    ASSERT_FALSE(IS_ERR(nul));
    EXPECT_STREQ(nul, "hello");
    kfree(nul);
}

TEST_F(UserDupTest, StrndupUserChecksLengthAndFaults) {
    char user[] = "abc\0zzzzzzzzzz";
    lkmfs::kernel::UserWindowScope window(user, sizeof user, false);
    char *s = strndup_user(user, 10);
    ASSERT_FALSE(IS_ERR(s));
    EXPECT_STREQ(s, "abc");
    kfree(s);
    EXPECT_EQ(PTR_ERR(strndup_user(user + 4, 5)), -EINVAL); // no NUL within 5 bytes
    char outside[] = "x";
    EXPECT_EQ(PTR_ERR(strndup_user(outside, 5)), -EFAULT);
}

TEST(HelpersTaint, MaskAndStringFollowLinux) {
    lkmfs::kernel::reset_taint_for_testing();
    EXPECT_EQ(lkmfs::kernel::taint_string(), "Not tainted");
    EXPECT_EQ(get_taint(), 0UL);
    add_taint(TAINT_OOT_MODULE, LOCKDEP_STILL_OK);
    add_taint(TAINT_UNSIGNED_MODULE, LOCKDEP_STILL_OK);
    add_taint(TAINT_WARN, LOCKDEP_STILL_OK);
    EXPECT_EQ(get_taint(), (1UL << 12) | (1UL << 13) | (1UL << 9));
    EXPECT_EQ(test_taint(TAINT_WARN), 1);
    EXPECT_EQ(test_taint(TAINT_DIE), 0);
    EXPECT_EQ(lkmfs::kernel::taint_string(), "Tainted: G        W  OE    ");
    EXPECT_EQ(lkmfs::kernel::taint_letters(get_taint()), "WOE");
    EXPECT_TRUE(lkmfs::kernel::add_taint(lkmfs::kernel::kTaintWarn)); // already set
    lkmfs::kernel::reset_taint_for_testing();
}

} // namespace
