// <linux/string.h> and <linux/kernel.h> helpers (fsd/kernel/string_helpers.cpp) against
// Linux 6.1's lib/string.c, lib/string_helpers.c and lib/vsprintf.c.
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstring>
#include <string>

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

namespace {

// ---- strscpy ----------------------------------------------------------------------------

TEST(KernelStringHelpersTest, StrscpyCopiesWhatFits) {
    char dest[8];
    std::memset(dest, 'X', sizeof dest);
    EXPECT_EQ(strscpy(dest, "abc", sizeof dest), 3);
    EXPECT_STREQ(dest, "abc");
    EXPECT_EQ(dest[4], 'X'); // no padding (that is strscpy_pad)

    EXPECT_EQ(strscpy(dest, "abcdefg", sizeof dest), 7); // exactly fills the buffer
    EXPECT_STREQ(dest, "abcdefg");
    EXPECT_EQ(strscpy(dest, "", sizeof dest), 0);
    EXPECT_STREQ(dest, "");
}

TEST(KernelStringHelpersTest, StrscpyTruncatesWithE2big) {
    char dest[8];
    std::memset(dest, 'X', sizeof dest);
    EXPECT_EQ(strscpy(dest, "abcdefgh", sizeof dest), -E2BIG);
    EXPECT_STREQ(dest, "abcdefg"); // always NUL-terminated

    EXPECT_EQ(strscpy(dest, "abc", 1), -E2BIG);
    EXPECT_STREQ(dest, "");

    std::memset(dest, 'X', sizeof dest);
    EXPECT_EQ(strscpy(dest, "abc", 0), -E2BIG);
    EXPECT_EQ(dest[0], 'X'); // a zero-sized buffer is not touched
}

// ---- strlcpy ----------------------------------------------------------------------------

TEST(KernelStringHelpersTest, StrlcpyReturnsTheSourceLength) {
    char dest[8];
    EXPECT_EQ(strlcpy(dest, "abc", sizeof dest), 3u);
    EXPECT_STREQ(dest, "abc");
    EXPECT_EQ(strlcpy(dest, "abcdefghijkl", sizeof dest), 12u);
    EXPECT_STREQ(dest, "abcdefg");
    std::memset(dest, 'X', sizeof dest);
    EXPECT_EQ(strlcpy(dest, "abc", 0), 3u);
    EXPECT_EQ(dest[0], 'X');
    EXPECT_EQ(strlcpy(dest, "abc", 1), 3u);
    EXPECT_STREQ(dest, "");
}

// ---- strim, strstrip, skip_spaces -------------------------------------------------------

TEST(KernelStringHelpersTest, StrimTrimsBothEndsInPlace) {
    char s[] = "  \t ab c \n\t ";
    char *t = strim(s);
    EXPECT_STREQ(t, "ab c");
    EXPECT_EQ(t, s + 4);   // points into the original buffer
    EXPECT_EQ(s[8], '\0'); // the trailing space was overwritten in place

    char plain[] = "abc";
    EXPECT_EQ(strim(plain), plain);
    EXPECT_STREQ(plain, "abc");

    char spaces[] = " \n\t ";
    char *e = strim(spaces);
    EXPECT_STREQ(e, "");
    EXPECT_GE(e, spaces);
    EXPECT_LE(e, spaces + 4);

    char empty[] = "";
    EXPECT_EQ(strim(empty), empty);

    char stripped[] = "  x  ";
    EXPECT_STREQ(strstrip(stripped), "x");
}

TEST(KernelStringHelpersTest, SkipSpaces) {
    const char *s = " \t\n\v\f\rx y ";
    EXPECT_EQ(skip_spaces(s), s + 6);
    const char *n = "no";
    EXPECT_EQ(skip_spaces(n), n);
    const char *e = "";
    EXPECT_EQ(skip_spaces(e), e);
    const char *all = "   ";
    EXPECT_EQ(skip_spaces(all), all + 3);
}

// ---- memchr_inv -------------------------------------------------------------------------

TEST(KernelStringHelpersTest, MemchrInv) {
    unsigned char buf[100];
    std::memset(buf, 0xAA, sizeof buf);
    EXPECT_EQ(memchr_inv(buf, 0xAA, sizeof buf), nullptr);
    EXPECT_EQ(memchr_inv(buf, 0x1AA, sizeof buf), nullptr); // c is taken as a byte
    EXPECT_EQ(memchr_inv(buf, 0, sizeof buf), buf);
    buf[57] = 0;
    EXPECT_EQ(memchr_inv(buf, 0xAA, sizeof buf), buf + 57);
    EXPECT_EQ(memchr_inv(buf, 0xAA, 57), nullptr);
    buf[99] = 1;
    EXPECT_EQ(memchr_inv(buf + 58, 0xAA, 42), buf + 99);
    EXPECT_EQ(memchr_inv(buf, 0, 0), nullptr);
}

// ---- sysfs_streq ------------------------------------------------------------------------

TEST(KernelStringHelpersTest, SysfsStreqIgnoresOneTrailingNewline) {
    EXPECT_TRUE(sysfs_streq("abc", "abc"));
    EXPECT_TRUE(sysfs_streq("abc", "abc\n"));
    EXPECT_TRUE(sysfs_streq("abc\n", "abc"));
    EXPECT_TRUE(sysfs_streq("abc\n", "abc\n"));
    EXPECT_TRUE(sysfs_streq("", ""));
    EXPECT_TRUE(sysfs_streq("", "\n"));
    EXPECT_FALSE(sysfs_streq("abc", "ab"));
    EXPECT_FALSE(sysfs_streq("ab", "abc"));
    EXPECT_FALSE(sysfs_streq("abc", "abc\n\n"));
    EXPECT_FALSE(sysfs_streq("abc", "abc "));
    EXPECT_FALSE(sysfs_streq("abc", "ABC"));
    EXPECT_FALSE(sysfs_streq("abc\n\n", "abc"));
}

// ---- scnprintf / vscnprintf -------------------------------------------------------------

__attribute__((format(printf, 3, 4))) int call_vscnprintf(char *buf, size_t size, const char *fmt,
                                                          ...) {
    va_list args;
    va_start(args, fmt);
    int n = vscnprintf(buf, size, fmt, args);
    va_end(args);
    return n;
}

TEST(KernelStringHelpersTest, ScnprintfReturnsWhatWasWritten) {
    char buf[8];
    EXPECT_EQ(scnprintf(buf, sizeof buf, "%d", 1234), 4);
    EXPECT_STREQ(buf, "1234");
    // snprintf would return 10 here; scnprintf returns the 7 characters stored.
    EXPECT_EQ(scnprintf(buf, sizeof buf, "%s", "abcdefghij"), 7);
    EXPECT_STREQ(buf, "abcdefg");
    EXPECT_EQ(scnprintf(buf, sizeof buf, "%s", "1234567"), 7);
    EXPECT_EQ(scnprintf(buf, 1, "%s", "abc"), 0);
    EXPECT_STREQ(buf, "");
    std::memset(buf, 'X', sizeof buf);
    EXPECT_EQ(scnprintf(buf, 0, "%s", "abc"), 0);
    EXPECT_EQ(buf[0], 'X');
    EXPECT_EQ(scnprintf(buf, sizeof buf, "%s", ""), 0);
}

TEST(KernelStringHelpersTest, VscnprintfReturnsWhatWasWritten) {
    char buf[6];
    EXPECT_EQ(call_vscnprintf(buf, sizeof buf, "%s=%d", "ab", 7), 4);
    EXPECT_STREQ(buf, "ab=7");
    EXPECT_EQ(call_vscnprintf(buf, sizeof buf, "%s=%d", "abcdef", 12345), 5);
    EXPECT_STREQ(buf, "abcde");
    EXPECT_EQ(call_vscnprintf(buf, 0, "%d", 1), 0);
}

TEST(KernelStringHelpersTest, ScnprintfAccumulationNeverOverruns) {
    char buf[16];
    std::memset(buf, 'X', sizeof buf);
    int len = 0;
    for (int i = 0; i < 10; ++i)
        len += scnprintf(buf + len, sizeof buf - static_cast<size_t>(len), "item%d,", i);
    EXPECT_EQ(len, 15);
    EXPECT_STREQ(buf, "item0,item1,ite");
}

} // namespace
