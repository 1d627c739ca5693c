// String to integer conversions (fsd/kernel/kstrtox.cpp) against Linux 6.1's
// lib/kstrtox.c: bases, signs, one trailing newline, -EINVAL for junk, -ERANGE for
// overflow, kstrtobool's spellings, and the _from_user variants.
#include "kernel/exec_context.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <linux/errno.h>
#include <linux/kstrtox.h>

namespace lkmfs::kernel {
namespace {

// One conversion: input, base, expected return value and, when it is 0, the result.
template <class T>
struct Case {
    const char *s;
    unsigned base;
    int rv;
    T value;
};

// Runs each case with a result preset to `sentinel`: on failure the result must be kept.
template <class T, class Fn>
void check(Fn fn, const std::vector<Case<T>> &cases, T sentinel = T(77)) {
    for (const Case<T> &c : cases) {
        SCOPED_TRACE(::testing::Message() << "input \"" << c.s << "\" base " << c.base);
        T value = sentinel;
        int rv = fn(c.s, c.base, &value);
        EXPECT_EQ(rv, c.rv);
        if (c.rv == 0)
            EXPECT_EQ(value, c.value);
        else
            EXPECT_EQ(value, sentinel) << "result written on failure";
    }
}

TEST(KernelKstrtoxTest, KstrtointBasesAndSigns) {
    check<int>(kstrtoint, {
                              {"0", 10, 0, 0},
                              {"123", 10, 0, 123},
                              {"-123", 10, 0, -123},
                              {"+5", 10, 0, 5},
                              {"007", 10, 0, 7},
                              {"-0", 10, 0, 0},
                              {"0x1f", 0, 0, 31},
                              {"0X1F", 0, 0, 31},
                              {"0x1f", 16, 0, 31},
                              {"1f", 16, 0, 31},
                              {"ABCdef", 16, 0, 0xabcdef},
                              {"017", 0, 0, 15},
                              {"017", 10, 0, 17},
                              {"17", 8, 0, 15},
                              {"0", 0, 0, 0},
                              {"10", 0, 0, 10},
                              {"-010", 0, 0, -8},
                              {"-0x10", 0, 0, -16},
                              {"+0x10", 0, 0, 16},
                              {"2147483647", 10, 0, INT_MAX},
                              {"-2147483648", 10, 0, INT_MIN},
                              {"0x7fffffff", 0, 0, INT_MAX},
                          });
}

TEST(KernelKstrtoxTest, KstrtointTrailingNewline) {
    check<int>(kstrtoint, {
                              {"12\n", 10, 0, 12},
                              {"-12\n", 0, 0, -12},
                              {"0x12\n", 0, 0, 0x12},
                              {"12\n\n", 10, -EINVAL, 0},
                              {"12\r\n", 10, -EINVAL, 0},
                              {"12\nx", 10, -EINVAL, 0},
                              {"\n", 10, -EINVAL, 0},
                          });
}

// In base 0 a leading 0 means octal, so "09" is junk.
TEST(KernelKstrtoxTest, KstrtointRejectsJunk) {
    check<int>(kstrtoint,
               {
                   {"", 10, -EINVAL, 0},    {"", 0, -EINVAL, 0},      {" 12", 10, -EINVAL, 0},
                   {"12 ", 10, -EINVAL, 0}, {"\t12", 10, -EINVAL, 0}, {"12a", 10, -EINVAL, 0},
                   {"a12", 10, -EINVAL, 0}, {"1 2", 10, -EINVAL, 0},  {"-", 10, -EINVAL, 0},
                   {"+", 10, -EINVAL, 0},   {"--1", 10, -EINVAL, 0},  {"+-1", 10, -EINVAL, 0},
                   {"-+1", 10, -EINVAL, 0}, {"++1", 10, -EINVAL, 0},  {"0x10", 10, -EINVAL, 0},
                   {"8", 8, -EINVAL, 0},    {"09", 0, -EINVAL, 0},    {"0x", 16, -EINVAL, 0},
                   {"0x", 0, -EINVAL, 0},   {"0xg", 0, -EINVAL, 0},   {"g", 16, -EINVAL, 0},
                   {"1.5", 10, -EINVAL, 0},
               });
}

TEST(KernelKstrtoxTest, KstrtointOverflow) {
    check<int>(kstrtoint, {
                              {"2147483648", 10, -ERANGE, 0},
                              {"-2147483649", 10, -ERANGE, 0},
                              {"0x80000000", 0, -ERANGE, 0},
                              {"4294967296", 10, -ERANGE, 0},
                              {"99999999999999999999", 10, -ERANGE, 0},
                              {"99999999999999999999\n", 10, -ERANGE, 0},
                          });
}

TEST(KernelKstrtoxTest, KstrtouintRange) {
    check<unsigned>(kstrtouint, {
                                    {"4294967295", 10, 0, UINT_MAX},
                                    {"0xffffffff", 0, 0, UINT_MAX},
                                    {"+7", 10, 0, 7},
                                    {"4294967296", 10, -ERANGE, 0},
                                    {"-1", 10, -EINVAL, 0}, // unsigned: no minus sign at all
                                    {"-0", 10, -EINVAL, 0},
                                    {"0777", 0, 0, 0777},
                                });
}

TEST(KernelKstrtoxTest, KstrtolRange) {
    check<long>(kstrtol, {
                             {"9223372036854775807", 10, 0, LONG_MAX},
                             {"-9223372036854775808", 10, 0, LONG_MIN},
                             {"9223372036854775808", 10, -ERANGE, 0},
                             {"-9223372036854775809", 10, -ERANGE, 0},
                             {"-0x8000000000000000", 0, 0, LONG_MIN},
                             {"-42\n", 10, 0, -42},
                         });
    check<long long>(kstrtoll, {
                                   {"-9223372036854775808", 10, 0, LLONG_MIN},
                                   {"18446744073709551615", 10, -ERANGE, 0},
                               });
}

TEST(KernelKstrtoxTest, KstrtoullRange) {
    check<unsigned long long>(kstrtoull, {
                                             {"18446744073709551615", 10, 0, ULLONG_MAX},
                                             {"0xffffffffffffffff", 0, 0, ULLONG_MAX},
                                             {"0xFFFFFFFFFFFFFFFF", 16, 0, ULLONG_MAX},
                                             {"01777777777777777777777", 0, 0, ULLONG_MAX},
                                             {"18446744073709551616", 10, -ERANGE, 0},
                                             {"0x10000000000000000", 0, -ERANGE, 0},
                                             {"+18446744073709551615\n", 10, 0, ULLONG_MAX},
                                             {"-1", 10, -EINVAL, 0},
                                         });
    check<unsigned long>(kstrtoul, {
                                       {"18446744073709551615", 0, 0, ULONG_MAX},
                                       {"18446744073709551616", 0, -ERANGE, 0},
                                   });
}

TEST(KernelKstrtoxTest, SmallTypes) {
    check<u8>(kstrtou8, {
                            {"255", 10, 0, 255},
                            {"0xff", 0, 0, 255},
                            {"0377", 0, 0, 255},
                            {"256", 10, -ERANGE, 0},
                            {"-1", 10, -EINVAL, 0},
                            {"1\n", 10, 0, 1},
                        });
    check<s8>(kstrtos8, {
                            {"127", 10, 0, 127},
                            {"-128", 10, 0, -128},
                            {"-0x80", 0, 0, -128},
                            {"128", 10, -ERANGE, 0},
                            {"-129", 10, -ERANGE, 0},
                        });
    check<u16>(kstrtou16, {
                              {"65535", 10, 0, 65535},
                              {"0xffff", 16, 0, 65535},
                              {"65536", 10, -ERANGE, 0},
                          });
    check<s16>(kstrtos16, {
                              {"-32768", 10, 0, -32768},
                              {"32767", 10, 0, 32767},
                              {"32768", 10, -ERANGE, 0},
                          });
}

TEST(KernelKstrtoxTest, KstrtoboolSpellings) {
    struct BoolCase {
        const char *s;
        int rv;
        bool value;
    };
    const BoolCase cases[] = {
        {"y", 0, true},         {"Y", 0, true},      {"yes", 0, true},   {"t", 0, true},
        {"T", 0, true},         {"true", 0, true},   {"1", 0, true},     {"1\n", 0, true},
        {"on", 0, true},        {"ON", 0, true},     {"oN", 0, true},    {"yfoo", 0, true},
        {"n", 0, false},        {"N", 0, false},     {"no", 0, false},   {"f", 0, false},
        {"F", 0, false},        {"false", 0, false}, {"0", 0, false},    {"off", 0, false},
        {"OFF", 0, false},      {"0x1", 0, false},   {"", -EINVAL, 0},   {"2", -EINVAL, 0},
        {"o", -EINVAL, 0},      {"ox", -EINVAL, 0},  {" y", -EINVAL, 0}, {"x", -EINVAL, 0},
        {"-1", -EINVAL, 0},     {"\n", -EINVAL, 0},  {"e", -EINVAL, 0},  {"d", -EINVAL, 0},
        {"enable", -EINVAL, 0},
    };
    for (const BoolCase &c : cases) {
        SCOPED_TRACE(::testing::Message() << "input \"" << c.s << "\"");
        for (bool sentinel : {false, true}) {
            bool value = sentinel;
            EXPECT_EQ(kstrtobool(c.s, &value), c.rv);
            EXPECT_EQ(value, c.rv == 0 ? c.value : sentinel);
        }
    }
    bool value = true;
    EXPECT_EQ(kstrtobool(nullptr, &value), -EINVAL);
    EXPECT_TRUE(value);
}

TEST(KernelKstrtoxTest, InlineWidthHelpers) {
    u32 u = 0;
    EXPECT_EQ(kstrtou32("4294967295", 10, &u), 0);
    EXPECT_EQ(u, 4294967295u);
    s64 s = 0;
    EXPECT_EQ(kstrtos64("-9223372036854775808", 10, &s), 0);
    EXPECT_EQ(s, std::numeric_limits<s64>::min());
    u64 v = 0;
    EXPECT_EQ(kstrtou64("0x10", 0, &v), 0);
    EXPECT_EQ(v, 16u);
}

// ---- _from_user: the text comes from the request's user memory --------------------------

TEST(KernelKstrtoxTest, FromUserInsideTheWindow) {
    char user[] = "42\n";
    UserWindowScope window(user, std::strlen(user), /*writable=*/false);
    int i = 0;
    EXPECT_EQ(kstrtoint_from_user(user, 3, 10, &i), 0);
    EXPECT_EQ(i, 42);
    EXPECT_EQ(kstrtoint_from_user(user, 1, 10, &i), 0); // only `count` bytes are read
    EXPECT_EQ(i, 4);
    unsigned u = 0;
    EXPECT_EQ(kstrtouint_from_user(user, 2, 0, &u), 0);
    EXPECT_EQ(u, 42u);
    long l = 0;
    EXPECT_EQ(kstrtol_from_user(user, 3, 10, &l), 0);
    EXPECT_EQ(l, 42);
    unsigned long ul = 0;
    EXPECT_EQ(kstrtoul_from_user(user, 3, 16, &ul), 0);
    EXPECT_EQ(ul, 0x42u);
    // Zero bytes make an empty string.
    EXPECT_EQ(kstrtoint_from_user(user, 0, 10, &i), -EINVAL);
}

TEST(KernelKstrtoxTest, FromUserSignsAndErrors) {
    char user[] = "-17\n\n";
    UserWindowScope window(user, std::strlen(user), false);
    long l = 0;
    EXPECT_EQ(kstrtol_from_user(user, 4, 10, &l), 0);
    EXPECT_EQ(l, -17);
    EXPECT_EQ(kstrtol_from_user(user, 5, 10, &l), -EINVAL); // two newlines
    unsigned u = 5;
    EXPECT_EQ(kstrtouint_from_user(user, 3, 10, &u), -EINVAL);
    EXPECT_EQ(u, 5u);
}

TEST(KernelKstrtoxTest, FromUserLongInputIsCutToTheKernelBuffer) {
    // Linux copies at most sizeof(buf) - 1 = 66 bytes; 70 digits overflow within them.
    std::string digits(70, '9');
    UserWindowScope window(digits.data(), digits.size(), false);
    int i = 0;
    EXPECT_EQ(kstrtoint_from_user(digits.data(), digits.size(), 10, &i), -ERANGE);
    std::string zeros(70, '0');
    UserWindowScope zero_window(zeros.data(), zeros.size(), false);
    unsigned long v = 1;
    EXPECT_EQ(kstrtoul_from_user(zeros.data(), zeros.size(), 10, &v), 0);
    EXPECT_EQ(v, 0u);
}

TEST(KernelKstrtoxTest, FromUserOutsideTheWindowFaults) {
    char user[] = "123";
    int i = 9;
    // No request at all: no user memory.
    EXPECT_EQ(kstrtoint_from_user(user, 3, 10, &i), -EFAULT);
    EXPECT_EQ(i, 9);
    {
        char other[] = "456";
        UserWindowScope window(other, 3, false);
        EXPECT_EQ(kstrtoint_from_user(user, 3, 10, &i), -EFAULT);
        EXPECT_EQ(i, 9);
    }
    {
        // Only the first two bytes are user memory.
        UserWindowScope window(user, 2, false);
        EXPECT_EQ(kstrtoint_from_user(user, 3, 10, &i), -EFAULT);
        EXPECT_EQ(kstrtoint_from_user(user, 2, 10, &i), 0);
        EXPECT_EQ(i, 12);
    }
}

} // namespace
} // namespace lkmfs::kernel
