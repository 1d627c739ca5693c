// User copies (fsd/kernel/uaccess.cpp): every range is checked against the request's user
// window; the return value counts the bytes NOT copied, and nothing outside the window is
// ever written. The window sits between guard bytes that must stay intact.
#include "kernel/exec_context.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

namespace lkmfs::kernel {
namespace {

constexpr std::size_t kGuard = 32;
constexpr std::size_t kWindow = 64;
constexpr unsigned char kGuardByte = 0xA5;
constexpr unsigned char kFill = 0x11;

class KernelUaccessTest : public ::testing::Test {
  protected:
    void SetUp() override {
        arena_.fill(kGuardByte);
        std::fill(window(), window() + kWindow, kFill);
    }
    void TearDown() override {
        EXPECT_TRUE(guards_intact()) << "a byte outside the window changed";
    }

    unsigned char *window() { return arena_.data() + kGuard; }
    char *wchar(std::size_t offset = 0) { return reinterpret_cast<char *>(window() + offset); }
    bool guards_intact() const {
        return std::all_of(arena_.begin(), arena_.begin() + kGuard,
                           [](unsigned char c) { return c == kGuardByte; }) &&
               std::all_of(arena_.end() - kGuard, arena_.end(),
                           [](unsigned char c) { return c == kGuardByte; });
    }
    // How many window bytes no longer hold the initial fill.
    std::size_t window_bytes_changed() {
        return static_cast<std::size_t>(std::count_if(window(), window() + kWindow,
                                                      [](unsigned char c) { return c != kFill; }));
    }

    alignas(16) std::array<unsigned char, kGuard + kWindow + kGuard> arena_{};
};

std::array<unsigned char, kWindow> pattern() {
    std::array<unsigned char, kWindow> p{};
    for (std::size_t i = 0; i < p.size(); ++i)
        p[i] = static_cast<unsigned char>(0x40 + i);
    return p;
}

// ---- iov_iter (<linux/uio.h>) ------------------------------------------------------------

TEST_F(KernelUaccessTest, CopyToIterFillsTheBufferInPiecesAndAdvances) {
    UserWindowScope scope(window(), kWindow, true);
    auto src = pattern();
    iov_iter it;
    iov_iter_ubuf(&it, ITER_DEST, window() + 8, 40);
    EXPECT_EQ(iov_iter_count(&it), 40u);
    EXPECT_EQ(copy_to_iter(src.data(), 16, &it), 16u);
    EXPECT_EQ(copy_to_iter(src.data() + 16, 100, &it), 24u); // only the room left
    EXPECT_EQ(iov_iter_count(&it), 0u);
    EXPECT_EQ(copy_to_iter(src.data(), 1, &it), 0u);
    EXPECT_EQ(std::memcmp(window() + 8, src.data(), 40), 0);
    EXPECT_EQ(window_bytes_changed(), 40u);
    iov_iter_revert(&it, 10);
    EXPECT_EQ(iov_iter_count(&it), 10u);
}

TEST_F(KernelUaccessTest, CopyToIterStopsWhereTheUserBufferEnds) {
    UserWindowScope scope(window(), kWindow, true);
    auto src = pattern();
    iov_iter it;
    iov_iter_ubuf(&it, ITER_DEST, window() + 56, 16); // 8 bytes past the window
    EXPECT_EQ(copy_to_iter(src.data(), 16, &it), 8u);
    EXPECT_EQ(iov_iter_count(&it), 8u);
    EXPECT_EQ(window_bytes_changed(), 8u);
}

TEST_F(KernelUaccessTest, CopyFromIterReadsTheSourceBuffer) {
    auto src = pattern();
    std::memcpy(window(), src.data(), kWindow);
    UserWindowScope scope(window(), kWindow, false);
    iov_iter it;
    iov_iter_ubuf(&it, ITER_SOURCE, window(), 20);
    char out[32] = {};
    EXPECT_EQ(copy_from_iter(out, sizeof out, &it), 20u);
    EXPECT_EQ(std::memcmp(out, src.data(), 20), 0);
}

// ---- copy_to_user -----------------------------------------------------------------------

TEST_F(KernelUaccessTest, CopyToUserInsideTheWindow) {
    UserWindowScope scope(window(), kWindow, true);
    auto src = pattern();
    EXPECT_EQ(copy_to_user(window(), src.data(), kWindow), 0u);
    EXPECT_EQ(std::memcmp(window(), src.data(), kWindow), 0);
    EXPECT_EQ(copy_to_user(window() + 10, src.data(), 0), 0u);
}

TEST_F(KernelUaccessTest, CopyToUserRunningPastTheEndCopiesThePrefix) {
    UserWindowScope scope(window(), kWindow, true);
    auto src = pattern();
    EXPECT_EQ(copy_to_user(window() + 60, src.data(), 8), 4u);
    EXPECT_EQ(std::memcmp(window() + 60, src.data(), 4), 0);
    EXPECT_EQ(window_bytes_changed(), 4u);
}

TEST_F(KernelUaccessTest, CopyToUserStartingBeforeTheWindowCopiesNothing) {
    UserWindowScope scope(window(), kWindow, true);
    auto src = pattern();
    EXPECT_EQ(copy_to_user(window() - 4, src.data(), 8), 8u);
    EXPECT_EQ(window_bytes_changed(), 0u);
}

TEST_F(KernelUaccessTest, CopyToUserOutsideOrWithoutWindowCopiesNothing) {
    auto src = pattern();
    EXPECT_EQ(copy_to_user(window(), src.data(), 16), 16u); // no request: no user memory
    {
        UserWindowScope scope(window(), kWindow, true);
        EXPECT_EQ(copy_to_user(window() + kWindow, src.data(), 1), 1u);
        EXPECT_EQ(copy_to_user(arena_.data(), src.data(), 8), 8u);
    }
    EXPECT_EQ(window_bytes_changed(), 0u);
}

TEST_F(KernelUaccessTest, CopyToUserRefusesAWriteRequestsData) {
    // A write(2)'s buffer is the caller's data: handlers may read it, never write it.
    UserWindowScope scope(window(), kWindow, false);
    auto src = pattern();
    EXPECT_EQ(copy_to_user(window(), src.data(), 16), 16u);
    EXPECT_EQ(clear_user(window(), 16), 16u);
    EXPECT_EQ(put_user(7, reinterpret_cast<int *>(window())), -EFAULT);
    EXPECT_EQ(window_bytes_changed(), 0u);
}

// ---- copy_from_user ---------------------------------------------------------------------

TEST_F(KernelUaccessTest, CopyFromUserInsideTheWindow) {
    auto src = pattern();
    std::memcpy(window(), src.data(), kWindow);
    UserWindowScope scope(window(), kWindow, false); // reading a write request's data is fine
    std::array<unsigned char, kWindow> dst{};
    EXPECT_EQ(copy_from_user(dst.data(), window(), kWindow), 0u);
    EXPECT_EQ(dst, src);
}

TEST_F(KernelUaccessTest, CopyFromUserZeroFillsWhatItCouldNotCopy) {
    auto src = pattern();
    std::memcpy(window(), src.data(), kWindow);
    UserWindowScope scope(window(), kWindow, true);
    std::array<unsigned char, 8> dst;
    dst.fill(0x55);
    EXPECT_EQ(copy_from_user(dst.data(), window() + 60, 8), 4u);
    EXPECT_EQ(std::memcmp(dst.data(), src.data() + 60, 4), 0);
    for (std::size_t i = 4; i < 8; ++i)
        EXPECT_EQ(dst[i], 0) << "byte " << i;

    dst.fill(0x55);
    EXPECT_EQ(copy_from_user(dst.data(), window() - 2, 8), 8u);
    EXPECT_TRUE(std::all_of(dst.begin(), dst.end(), [](unsigned char c) { return c == 0; }));
}

TEST_F(KernelUaccessTest, CopyFromUserWithoutWindowFaults) {
    std::array<unsigned char, 8> dst;
    dst.fill(0x55);
    EXPECT_EQ(copy_from_user(dst.data(), window(), 8), 8u);
    EXPECT_TRUE(std::all_of(dst.begin(), dst.end(), [](unsigned char c) { return c == 0; }));
}

// ---- clear_user, get_user, put_user -----------------------------------------------------

TEST_F(KernelUaccessTest, ClearUser) {
    UserWindowScope scope(window(), kWindow, true);
    EXPECT_EQ(clear_user(window() + 8, 8), 0u);
    EXPECT_TRUE(std::all_of(window() + 8, window() + 16, [](unsigned char c) { return c == 0; }));
    EXPECT_EQ(window_bytes_changed(), 8u);
    EXPECT_EQ(clear_user(window() + 62, 6), 4u);
    EXPECT_EQ(window()[62], 0);
    EXPECT_EQ(window()[63], 0);
    EXPECT_EQ(clear_user(window() - 1, 2), 2u);
    EXPECT_EQ(window()[0], kFill);
}

TEST_F(KernelUaccessTest, GetUser) {
    std::int32_t value = -123456;
    std::memcpy(window() + 4, &value, sizeof value);
    UserWindowScope scope(window(), kWindow, false);
    std::int32_t x = 0;
    EXPECT_EQ(get_user(x, reinterpret_cast<std::int32_t *>(window() + 4)), 0);
    EXPECT_EQ(x, -123456);
    unsigned char byte = 0;
    EXPECT_EQ(get_user(byte, window() + 63), 0);
    EXPECT_EQ(byte, kFill);

    // On a fault the destination is zeroed, as Linux does.
    x = 99;
    EXPECT_EQ(get_user(x, reinterpret_cast<std::int32_t *>(window() + 62)), -EFAULT);
    EXPECT_EQ(x, 0);
    x = 99;
    EXPECT_EQ(get_user(x, reinterpret_cast<std::int32_t *>(arena_.data())), -EFAULT);
    EXPECT_EQ(x, 0);
}

TEST_F(KernelUaccessTest, PutUser) {
    UserWindowScope scope(window(), kWindow, true);
    std::int64_t wide = 0x0102030405060708;
    EXPECT_EQ(put_user(wide, reinterpret_cast<std::int64_t *>(window() + 8)), 0);
    std::int64_t back = 0;
    std::memcpy(&back, window() + 8, sizeof back);
    EXPECT_EQ(back, wide);
    EXPECT_EQ(put_user(wide, reinterpret_cast<std::int64_t *>(window() + 60)), -EFAULT);
    EXPECT_EQ(put_user(wide, reinterpret_cast<std::int64_t *>(window() + kWindow)), -EFAULT);
    EXPECT_EQ(put_user(static_cast<char>('z'), wchar(63)), 0);
    EXPECT_EQ(window()[63], 'z');
}

// ---- strings ----------------------------------------------------------------------------

TEST_F(KernelUaccessTest, StrncpyFromUser) {
    std::strcpy(wchar(), "hello");
    UserWindowScope scope(window(), kWindow, false);
    char dst[16];
    std::memset(dst, 'X', sizeof dst);
    EXPECT_EQ(strncpy_from_user(dst, wchar(), sizeof dst), 5);
    EXPECT_STREQ(dst, "hello");
    EXPECT_EQ(dst[6], 'X'); // nothing beyond the NUL

    // count reached before the NUL: count bytes, not terminated.
    std::memset(dst, 'X', sizeof dst);
    EXPECT_EQ(strncpy_from_user(dst, wchar(), 3), 3);
    EXPECT_EQ(std::string(dst, 4), "helX");

    EXPECT_EQ(strncpy_from_user(dst, wchar(), 0), 0);
}

TEST_F(KernelUaccessTest, StrncpyFromUserFaults) {
    // The window holds no NUL at all: the string runs off the end of user memory.
    UserWindowScope scope(window(), kWindow, false);
    char dst[128];
    EXPECT_EQ(strncpy_from_user(dst, wchar(60), sizeof dst), -EFAULT);
    EXPECT_EQ(strncpy_from_user(dst, reinterpret_cast<char *>(arena_.data()), 8), -EFAULT);
    // Exactly count bytes inside the window, no NUL among them: count.
    EXPECT_EQ(strncpy_from_user(dst, wchar(60), 4), 4);
}

TEST_F(KernelUaccessTest, StrncpyFromUserWithoutWindowFaults) {
    std::strcpy(wchar(), "hello");
    char dst[16];
    EXPECT_EQ(strncpy_from_user(dst, wchar(), sizeof dst), -EFAULT);
}

TEST_F(KernelUaccessTest, StrnlenUser) {
    std::strcpy(wchar(), "hello");
    UserWindowScope scope(window(), kWindow, false);
    EXPECT_EQ(strnlen_user(wchar(), 100), 6); // counts the NUL
    EXPECT_EQ(strnlen_user(wchar(), 6), 6);
    EXPECT_EQ(strnlen_user(wchar(), 3), 4);     // no NUL within n bytes: n + 1
    EXPECT_EQ(strnlen_user(wchar(60), 100), 0); // runs off the window: a fault
    EXPECT_EQ(strnlen_user(wchar(kWindow), 4), 0);
    EXPECT_EQ(strnlen_user(wchar(), 0), 0);
}

// ---- access_ok --------------------------------------------------------------------------

TEST_F(KernelUaccessTest, AccessOk) {
    EXPECT_FALSE(access_ok(window(), 1)); // no request
    UserWindowScope scope(window(), kWindow, true);
    EXPECT_TRUE(access_ok(window(), kWindow));
    EXPECT_TRUE(access_ok(window() + 63, 1));
    EXPECT_TRUE(access_ok(window() + 10, 0));
    EXPECT_TRUE(access_ok(arena_.data(), 0)); // an empty range is always fine
    EXPECT_FALSE(access_ok(window() + 63, 2));
    EXPECT_FALSE(access_ok(window() - 1, 2));
    EXPECT_FALSE(access_ok(window() + kWindow, 1));
    EXPECT_FALSE(access_ok(window(), kWindow + 1));
    EXPECT_FALSE(access_ok(window() + 1, ~0UL)); // no wrap-around
}

TEST_F(KernelUaccessTest, NestedWindowsRestoreTheOuterOne) {
    UserWindowScope outer(window(), 16, true);
    {
        UserWindowScope inner(window() + 32, 16, true);
        EXPECT_FALSE(access_ok(window(), 1));
        EXPECT_TRUE(access_ok(window() + 32, 16));
    }
    EXPECT_TRUE(access_ok(window(), 16));
    EXPECT_FALSE(access_ok(window() + 32, 1));
}

// ---- simple_read_from_buffer / simple_write_to_buffer -----------------------------------

TEST_F(KernelUaccessTest, SimpleReadFromBuffer) {
    const char data[] = "0123456789";
    const std::size_t available = 10;
    UserWindowScope scope(window(), kWindow, true);
    loff_t pos = 0;
    EXPECT_EQ(simple_read_from_buffer(window(), 4, &pos, data, available), 4);
    EXPECT_EQ(pos, 4);
    EXPECT_EQ(std::memcmp(window(), "0123", 4), 0);
    pos = 8;
    EXPECT_EQ(simple_read_from_buffer(window(), 4, &pos, data, available), 2);
    EXPECT_EQ(pos, 10);
    EXPECT_EQ(std::memcmp(window(), "89", 2), 0);
    EXPECT_EQ(simple_read_from_buffer(window(), 4, &pos, data, available), 0); // at the end
    EXPECT_EQ(pos, 10);
    pos = 20;
    EXPECT_EQ(simple_read_from_buffer(window(), 4, &pos, data, available), 0);
    EXPECT_EQ(pos, 20);
    pos = 0;
    EXPECT_EQ(simple_read_from_buffer(window(), 0, &pos, data, available), 0);
    EXPECT_EQ(pos, 0);
    pos = -1;
    EXPECT_EQ(simple_read_from_buffer(window(), 4, &pos, data, available), -EINVAL);
    EXPECT_EQ(pos, -1);
}

TEST_F(KernelUaccessTest, SimpleReadFromBufferFaults) {
    const char data[] = "0123456789";
    UserWindowScope scope(window(), kWindow, true);
    // Half the destination lies inside: the half that fits is copied and counted.
    loff_t pos = 0;
    EXPECT_EQ(simple_read_from_buffer(window() + 62, 4, &pos, data, 10), 2);
    EXPECT_EQ(pos, 2);
    EXPECT_EQ(window()[62], '0');
    EXPECT_EQ(window()[63], '1');
    // Nothing fits: -EFAULT and the position stays.
    pos = 0;
    EXPECT_EQ(simple_read_from_buffer(window() + kWindow, 4, &pos, data, 10), -EFAULT);
    EXPECT_EQ(pos, 0);
}

TEST_F(KernelUaccessTest, SimpleReadFromBufferIntoWriteRequestFaults) {
    const char data[] = "0123456789";
    UserWindowScope scope(window(), kWindow, false);
    loff_t pos = 0;
    EXPECT_EQ(simple_read_from_buffer(window(), 4, &pos, data, 10), -EFAULT);
    EXPECT_EQ(pos, 0);
    EXPECT_EQ(window_bytes_changed(), 0u);
}

TEST_F(KernelUaccessTest, SimpleWriteToBuffer) {
    std::memcpy(window(), "abcdefgh", 8);
    UserWindowScope scope(window(), kWindow, false);
    char kbuf[8];
    std::memset(kbuf, '.', sizeof kbuf);
    loff_t pos = 0;
    EXPECT_EQ(simple_write_to_buffer(kbuf, sizeof kbuf, &pos, window(), 4), 4);
    EXPECT_EQ(pos, 4);
    EXPECT_EQ(std::string(kbuf, 8), "abcd....");
    pos = 6;
    EXPECT_EQ(simple_write_to_buffer(kbuf, sizeof kbuf, &pos, window(), 4), 2); // room for 2
    EXPECT_EQ(pos, 8);
    EXPECT_EQ(std::string(kbuf, 8), "abcd..ab");
    EXPECT_EQ(simple_write_to_buffer(kbuf, sizeof kbuf, &pos, window(), 4), 0); // full
    pos = 0;
    EXPECT_EQ(simple_write_to_buffer(kbuf, sizeof kbuf, &pos, window(), 0), 0);
    pos = -3;
    EXPECT_EQ(simple_write_to_buffer(kbuf, sizeof kbuf, &pos, window(), 4), -EINVAL);
    EXPECT_EQ(pos, -3);
}

TEST_F(KernelUaccessTest, SimpleWriteToBufferFaults) {
    std::memcpy(window() + 62, "yz", 2);
    UserWindowScope scope(window(), kWindow, false);
    char kbuf[8];
    std::memset(kbuf, '.', sizeof kbuf);
    loff_t pos = 0;
    // Two of the four source bytes are user memory; copy_from_user zeroes the rest.
    EXPECT_EQ(simple_write_to_buffer(kbuf, sizeof kbuf, &pos, window() + 62, 4), 2);
    EXPECT_EQ(pos, 2);
    EXPECT_EQ(std::string(kbuf, 8), std::string("yz\0\0....", 8));
    pos = 0;
    EXPECT_EQ(simple_write_to_buffer(kbuf, sizeof kbuf, &pos, arena_.data(), 4), -EFAULT);
    EXPECT_EQ(pos, 0);
}

} // namespace
} // namespace lkmfs::kernel
