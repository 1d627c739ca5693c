// User addresses like SMAP (fsd/kernel/user_window.cpp): a handler gets the caller's
// buffer at an address in a reserved, inaccessible window. The user-copy functions
// translate it (bounds checked: what lies outside the buffer is not copied); the buffer's
// own address is not user memory; a direct load or store is an oops reported as Linux
// reports a supervisor access to user memory; concurrent and nested calls get slots of
// their own, and a slot's address is dead once its call ended.
#include "kernel/exec_context.h"
#include "kernel/oops.h"
#include "kernel/user_window.h"
#include "kernel_log_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

namespace lkmfs::kernel {
namespace {

constexpr std::size_t kSize = 64;
constexpr unsigned char kFill = 0x11;

// The buffer with guard bytes on both sides that no copy may touch.
struct Guarded {
    Guarded() { bytes.fill(kFill); }
    unsigned char *buffer() { return bytes.data() + 32; }
    bool guards_intact() const {
        return std::all_of(bytes.begin(), bytes.begin() + 32,
                           [](unsigned char c) { return c == kFill; }) &&
               std::all_of(bytes.end() - 32, bytes.end(),
                           [](unsigned char c) { return c == kFill; });
    }
    alignas(64) std::array<unsigned char, 32 + kSize + 32> bytes{};
};

char *as_user(void *p) {
    return static_cast<char *>(p);
}

TEST(UaccessSmapTest, TheHandlerSeesAUserAddressInTheReservedWindowNotTheBuffer) {
    Guarded g;
    UserBufferScope scope(g.buffer(), kSize, true);
    ASSERT_TRUE(scope.in_slot());
    auto address = reinterpret_cast<std::uintptr_t>(scope.user_address());
    EXPECT_NE(address, reinterpret_cast<std::uintptr_t>(g.buffer()));
    EXPECT_GE(address, user_window_start());
    EXPECT_LT(address, user_window_end());
    // A user-space address (below the x86-64 user limit), with the buffer's page offset.
    EXPECT_LT(address, std::uintptr_t{0x00007fffffffffff});
    EXPECT_EQ(address & 4095, reinterpret_cast<std::uintptr_t>(g.buffer()) & 4095);
    EXPECT_EQ(scope.user_address_of(g.buffer() + 5), address + 5);
    EXPECT_EQ(exec_context().user.user_start(), address);
}

TEST(UaccessSmapTest, CopiesThroughTheUserAddressReachTheBuffer) {
    Guarded g;
    UserBufferScope scope(g.buffer(), kSize, true);
    char *u = as_user(scope.user_address());
    EXPECT_EQ(copy_to_user(u + 8, "hello", 5), 0u);
    EXPECT_EQ(std::memcmp(g.buffer() + 8, "hello", 5), 0);
    char back[5] = {};
    EXPECT_EQ(copy_from_user(back, u + 8, 5), 0u);
    EXPECT_EQ(std::memcmp(back, "hello", 5), 0);
    EXPECT_EQ(clear_user(u, 4), 0u);
    EXPECT_EQ(g.buffer()[0], 0);
    EXPECT_EQ(g.buffer()[3], 0);
    EXPECT_EQ(g.buffer()[4], kFill);
    EXPECT_EQ(put_user(0x01020304, reinterpret_cast<int __user *>(u + 16)), 0);
    int value = 0;
    EXPECT_EQ(get_user(value, reinterpret_cast<int __user *>(u + 16)), 0);
    EXPECT_EQ(value, 0x01020304);
    EXPECT_TRUE(access_ok(u, kSize));
    EXPECT_FALSE(access_ok(u, kSize + 1));
    EXPECT_TRUE(g.guards_intact());
}

TEST(UaccessSmapTest, APartialCopyStopsAtTheBufferEndAndCountsWhatWasNotCopied) {
    Guarded g;
    UserBufferScope scope(g.buffer(), kSize, true);
    char *u = as_user(scope.user_address());
    EXPECT_EQ(copy_to_user(u + kSize - 4, "ABCDEFGH", 8), 4u);
    EXPECT_EQ(std::memcmp(g.buffer() + kSize - 4, "ABCD", 4), 0);
    char in[8];
    std::memset(in, 'z', sizeof in);
    EXPECT_EQ(copy_from_user(in, u + kSize - 2, 8), 6u);
    EXPECT_EQ(in[2], 0); // the part not copied is zeroed, as in Linux
    EXPECT_EQ(clear_user(u + kSize - 1, 3), 2u);
    int value = 5;
    EXPECT_EQ(get_user(value, reinterpret_cast<int __user *>(u + kSize - 2)), -EFAULT);
    EXPECT_EQ(value, 0);
    EXPECT_EQ(put_user(1, reinterpret_cast<int __user *>(u + kSize - 2)), -EFAULT);
    // Past the end, and before the start.
    EXPECT_EQ(copy_to_user(u + kSize, "x", 1), 1u);
    EXPECT_EQ(copy_to_user(u - 1, "x", 1), 1u);
    EXPECT_TRUE(g.guards_intact());
}

TEST(UaccessSmapTest, TheBuffersOwnAddressIsNotUserMemory) {
    Guarded g;
    UserBufferScope scope(g.buffer(), kSize, true);
    EXPECT_EQ(copy_to_user(g.buffer(), "x", 1), 1u);
    char c = 0;
    EXPECT_EQ(copy_from_user(&c, g.buffer(), 1), 1u);
    EXPECT_EQ(g.buffer()[0], kFill);
}

TEST(UaccessSmapTest, AWritesDataIsReadOnly) {
    Guarded g;
    std::memcpy(g.buffer(), "data", 4);
    UserBufferScope scope(g.buffer(), 4, false);
    char *u = as_user(scope.user_address());
    char in[4];
    EXPECT_EQ(copy_from_user(in, u, 4), 0u);
    EXPECT_EQ(std::memcmp(in, "data", 4), 0);
    EXPECT_EQ(copy_to_user(u, "XXXX", 4), 4u);
    EXPECT_EQ(put_user('X', u), -EFAULT);
    EXPECT_EQ(std::memcmp(g.buffer(), "data", 4), 0);
}

TEST(UaccessSmapTest, StringAndDupHelpersTranslate) {
    Guarded g;
    std::memcpy(g.buffer(), "name\0rest", 9);
    UserBufferScope scope(g.buffer(), 9, false);
    const char *u = as_user(scope.user_address());
    char dst[16] = {};
    EXPECT_EQ(strncpy_from_user(dst, u, sizeof dst), 4);
    EXPECT_STREQ(dst, "name");
    EXPECT_EQ(strnlen_user(u, 16), 5);
    EXPECT_EQ(strncpy_from_user(dst, u + 5, sizeof dst), -EFAULT); // "rest" runs off the end
    char *dup = static_cast<char *>(memdup_user_nul(u + 5, 4));
    ASSERT_FALSE(IS_ERR(dup));
    EXPECT_STREQ(dup, "rest");
    kfree(dup);
    EXPECT_EQ(PTR_ERR(memdup_user(u + 5, 5)), -EFAULT);
    char *s = strndup_user(u, 16);
    ASSERT_FALSE(IS_ERR(s));
    EXPECT_STREQ(s, "name");
    kfree(s);
    unsigned long number = 0;
    EXPECT_EQ(kstrtoul_from_user(u, 4, 10, &number), -EINVAL); // reached: "name" is no number
}

TEST(UaccessSmapTest, IovIterCopiesTranslateAndStopAtTheEnd) {
    Guarded g;
    UserBufferScope scope(g.buffer(), kSize, true);
    iov_iter it;
    iov_iter_ubuf(&it, ITER_DEST, scope.user_address(), kSize + 16); // claims more than there is
    std::array<char, kSize + 16> src{};
    src.fill('q');
    EXPECT_EQ(copy_to_iter(src.data(), src.size(), &it), kSize);
    EXPECT_EQ(g.buffer()[kSize - 1], 'q');
    EXPECT_TRUE(g.guards_intact());
}

TEST(UaccessSmapTest, SimpleReadFromBufferTranslates) {
    Guarded g;
    UserBufferScope scope(g.buffer(), kSize, true);
    loff_t pos = 0;
    EXPECT_EQ(simple_read_from_buffer(scope.user_address(), kSize, &pos, "text", 4), 4);
    EXPECT_EQ(std::memcmp(g.buffer(), "text", 4), 0);
    loff_t wpos = 0;
    char into[8] = {};
    EXPECT_EQ(simple_write_to_buffer(into, sizeof into, &wpos, scope.user_address(), 4), 4);
    EXPECT_EQ(std::memcmp(into, "text", 4), 0);
}

TEST(UaccessSmapTest, NestedScopesTakeTheirOwnSlotAndRestoreTheOuterOne) {
    Guarded outer_buf;
    Guarded inner_buf;
    UserBufferScope outer(outer_buf.buffer(), kSize, true);
    char *outer_u = as_user(outer.user_address());
    {
        UserBufferScope inner(inner_buf.buffer(), kSize, true);
        char *inner_u = as_user(inner.user_address());
        EXPECT_NE(inner_u, outer_u);
        EXPECT_EQ(copy_to_user(inner_u, "i", 1), 0u);
        EXPECT_EQ(copy_to_user(outer_u, "o", 1), 1u); // not this call's memory
    }
    EXPECT_EQ(copy_to_user(outer_u, "o", 1), 0u);
    EXPECT_EQ(outer_buf.buffer()[0], 'o');
    EXPECT_EQ(inner_buf.buffer()[0], 'i');
}

TEST(UaccessSmapTest, AnAddressKeptFromAnEndedCallIsDead) {
    Guarded g;
    char *kept = nullptr;
    {
        UserBufferScope scope(g.buffer(), kSize, true);
        kept = as_user(scope.user_address());
        EXPECT_TRUE(describe_user_address(reinterpret_cast<std::uintptr_t>(kept)).mapped);
    }
    EXPECT_EQ(copy_to_user(kept, "x", 1), 1u);
    UserAddressInfo info = describe_user_address(reinterpret_cast<std::uintptr_t>(kept));
    EXPECT_TRUE(info.in_window);
    EXPECT_FALSE(info.mapped);
    EXPECT_FALSE(describe_user_address(reinterpret_cast<std::uintptr_t>(g.buffer())).in_window);
}

TEST(UaccessSmapTest, ConcurrentCallsGetDistinctSlotsAndReachOnlyTheirOwnBuffer) {
    constexpr int kThreads = 8;
    constexpr int kRounds = 2000;
    std::vector<std::thread> threads;
    std::vector<int> failures(kThreads, 0);
    std::array<std::atomic<std::uintptr_t>, kThreads> seen{};
    std::atomic<bool> overlap{false};
    std::mutex seen_mutex;
    std::vector<std::uintptr_t> live;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int r = 0; r < kRounds; ++r) {
                Guarded g;
                UserBufferScope scope(g.buffer(), kSize, true);
                auto address = reinterpret_cast<std::uintptr_t>(scope.user_address());
                {
                    std::lock_guard lock(seen_mutex);
                    if (std::find(live.begin(), live.end(), address) != live.end())
                        overlap = true;
                    live.push_back(address);
                }
                char mark = static_cast<char>('A' + t);
                if (copy_to_user(as_user(scope.user_address()), &mark, 1) != 0 ||
                    g.buffer()[0] != static_cast<unsigned char>(mark) || !g.guards_intact())
                    ++failures[t];
                // Another thread's slot is not this call's user memory.
                std::uintptr_t other = seen[(t + 1) % kThreads].load();
                if (other != 0 && other != address &&
                    copy_to_user(reinterpret_cast<char *>(other), "!", 1) != 1)
                    ++failures[t];
                seen[t] = address;
                std::lock_guard lock(seen_mutex);
                live.erase(std::find(live.begin(), live.end(), address));
            }
        });
    }
    for (auto &th : threads)
        th.join();
    EXPECT_FALSE(overlap.load());
    for (int t = 0; t < kThreads; ++t)
        EXPECT_EQ(failures[t], 0) << "thread " << t;
}

TEST(UaccessSmapTest, ABufferLargerThanASlotKeepsItsOwnAddress) {
    std::vector<unsigned char> big(kUserSlotSize + 1);
    UserBufferScope scope(big.data(), big.size(), true);
    EXPECT_FALSE(scope.in_slot());
    EXPECT_EQ(scope.user_address(), big.data());
    EXPECT_EQ(copy_to_user(as_user(scope.user_address()) + big.size() - 1, "z", 1), 0u);
    EXPECT_EQ(big.back(), 'z');
}

// ---- direct accesses: the oops ----------------------------------------------------------

volatile std::uintptr_t g_user;

noinline void store_user_byte(std::uintptr_t address) {
    g_user = address;
    *reinterpret_cast<volatile char *>(g_user) = 'x';
}

noinline char load_user_byte(std::uintptr_t address) {
    g_user = address;
    return *reinterpret_cast<volatile char *>(g_user);
}

class UaccessSmapOopsTest : public KernelLogTest {
  protected:
    std::string log() { return log_since_start(); }
    bool has(const std::string &text) { return log().find(text) != std::string::npos; }
    static std::string hex(std::uintptr_t address) {
        char text[32];
        std::snprintf(text, sizeof text, "%016lx", static_cast<unsigned long>(address));
        return text;
    }
};

TEST_F(UaccessSmapOopsTest, AStoreToTheUserBufferIsASupervisorWriteProtectionFault) {
    Guarded g;
    UserBufferScope scope(g.buffer(), kSize, true);
    auto u = reinterpret_cast<std::uintptr_t>(scope.user_address());
    EXPECT_FALSE(run_contained("proc_read", [&] { store_user_byte(u); }));
    EXPECT_TRUE(has("BUG: unable to handle page fault for address: " + hex(u) + "\n")) << log();
    EXPECT_TRUE(has("#PF: supervisor write access in kernel mode\n")) << log();
    EXPECT_TRUE(has("#PF: error_code(0x0003) - permissions violation\n")) << log();
    EXPECT_TRUE(has("Oops: 0003 [#")) << log();
    EXPECT_TRUE(has("RIP: 0010:lkmfs::kernel::(anonymous namespace)::store_user_byte+0x")) << log();
    EXPECT_TRUE(has("CR2: " + hex(u) + "\n")) << log();
    EXPECT_TRUE(has("lkmfs: " + hex(u) +
                    " is user memory: byte 0 of the 64-byte buffer of "
                    "this proc_read"))
        << log();
    EXPECT_EQ(g.buffer()[0], kFill); // the store never happened
    // The call's user window is back, and copies still work.
    EXPECT_EQ(copy_to_user(as_user(scope.user_address()), "y", 1), 0u);
    EXPECT_EQ(g.buffer()[0], 'y');
}

TEST_F(UaccessSmapOopsTest, ALoadFromAWritesDataIsASupervisorReadProtectionFault) {
    Guarded g;
    UserBufferScope scope(g.buffer(), kSize, false);
    auto u = reinterpret_cast<std::uintptr_t>(scope.user_address());
    char c = 0;
    EXPECT_FALSE(run_contained("proc_write", [&] { c = load_user_byte(u + 3); }));
    EXPECT_EQ(c, 0);
    EXPECT_TRUE(has("BUG: unable to handle page fault for address: " + hex(u + 3))) << log();
    EXPECT_TRUE(has("#PF: supervisor read access in kernel mode\n")) << log();
    EXPECT_TRUE(has("#PF: error_code(0x0001) - permissions violation\n")) << log();
    EXPECT_TRUE(has("Oops: 0001 [#")) << log();
    EXPECT_TRUE(has("byte 3 of the 64-byte buffer of this proc_write")) << log();
}

TEST_F(UaccessSmapOopsTest, PastTheBufferOrAfterTheCallTheUserPageIsNotPresent) {
    Guarded g;
    std::uintptr_t kept = 0;
    {
        UserBufferScope scope(g.buffer(), kSize, true);
        kept = reinterpret_cast<std::uintptr_t>(scope.user_address());
        EXPECT_FALSE(run_contained("proc_read", [&] { store_user_byte(kept + kSize + 4096); }));
        EXPECT_TRUE(has("#PF: error_code(0x0002) - not-present page\n")) << log();
        EXPECT_TRUE(has("is user memory outside the buffer of this call")) << log();
    }
    EXPECT_FALSE(run_contained("timer callback", [&] { (void)load_user_byte(kept); }));
    EXPECT_TRUE(has("BUG: unable to handle page fault for address: " + hex(kept))) << log();
    EXPECT_TRUE(has("#PF: error_code(0x0000) - not-present page\n")) << log();
}

} // namespace
} // namespace lkmfs::kernel
