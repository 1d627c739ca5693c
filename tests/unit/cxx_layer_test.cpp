// The C++ layer for modules (sdk/include/lkmfs/*.hpp) on the real core: user copies over
// spans against a request's user window, kmalloc'd arrays, the mutex wrapper, and RAII
// /proc entries whose lambda handlers the core reaches through plain struct proc_ops
// trampolines (opened, read, written and released here as fsd/procfs/file_ops does for
// FUSE). The entries are made by cxx_layer_module.cpp, compiled as module C++ is.
#include "kernel/alloc_stats.h"
#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "procfs/file_ops.h"
#include "procfs/proc_tree.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <unistd.h>

// The layer after the standard headers, as in a module.
#include "cxx_layer_module.h"
#include <lkmfs/mutex.hpp>
#include <lkmfs/proc.hpp>
#include <lkmfs/result.hpp>
#include <lkmfs/slab.hpp>
#include <lkmfs/uaccess.hpp>

#include <linux/errno.h>
#include <linux/lockdep.h>

namespace lkmfs::procfs {
namespace {

using kernel::UserWindowScope;
using lkmfs_cxx_test::Trace;
using namespace std::string_view_literals;

// ---- user copies over spans ---------------------------------------------------------------

// A request's user memory: 16 bytes of '.' the copies are checked against.
class CxxUaccessTest : public ::testing::Test {
  protected:
    CxxUaccessTest() { buf_.fill('.'); }
    std::string window() const { return std::string(buf_.data(), kWindow); }
    static constexpr std::size_t kWindow = 16;
    std::array<char, kWindow + 8> buf_{}; // 8 bytes past the window: never user memory
};

TEST_F(CxxUaccessTest, CopyOutCopiesAllAndReturnsTheCount) {
    UserWindowScope user(buf_.data(), kWindow, true);
    lkmfs::user_out out(buf_.data(), kWindow);
    EXPECT_EQ(out.copy_out("hello"sv), 5);
    EXPECT_EQ(out.subspan(5).copy_out(std::as_bytes(std::span("!!", 2))), 2);
    EXPECT_EQ(window(), "hello!!.........");
}

TEST_F(CxxUaccessTest, CopyOutRefusesASourceLargerThanTheView) {
    UserWindowScope user(buf_.data(), kWindow, true);
    // The window would take it; the view of 4 bytes does not, and nothing is written.
    EXPECT_EQ(lkmfs::user_out(buf_.data(), 4).copy_out("hello"sv), -EFAULT);
    EXPECT_EQ(window(), "................");
}

TEST_F(CxxUaccessTest, CopyOutPastTheWindowFaultsAfterCopyingWhatFits) {
    UserWindowScope user(buf_.data(), kWindow, true);
    // A view the handler got wrong: its last 4 bytes lie outside the request.
    lkmfs::user_out out(buf_.data() + 12, 8);
    EXPECT_EQ(out.copy_out("ABCDEFGH"sv), -EFAULT);
    EXPECT_EQ(window(), "............ABCD") << "copy_to_user copies the head that fits";
    EXPECT_EQ(std::string(buf_.data() + kWindow, 8), "........");
}

TEST_F(CxxUaccessTest, CopyOutIntoAWritesDataFaults) {
    UserWindowScope user(buf_.data(), kWindow, false); // a write(2)'s data: read-only
    EXPECT_EQ(lkmfs::user_out(buf_.data(), kWindow).copy_out("x"sv), -EFAULT);
    EXPECT_EQ(window(), "................");
}

TEST_F(CxxUaccessTest, ViewsClampOffsetsAndCounts) {
    lkmfs::user_out out(buf_.data(), 10);
    EXPECT_EQ(out.first(4).size(), 4U);
    EXPECT_EQ(out.first(100).size(), 10U);
    EXPECT_EQ(out.subspan(8).size(), 2U);
    EXPECT_EQ(out.subspan(8).data(), buf_.data() + 8);
    EXPECT_EQ(out.subspan(8, 1).size(), 1U);
    EXPECT_TRUE(out.subspan(20).empty());
    lkmfs::user_in in(buf_.data(), 10);
    EXPECT_EQ(in.subspan(3, 100).size(), 7U);
    EXPECT_EQ(in.subspan(3).data(), buf_.data() + 3);
    EXPECT_TRUE(in.first(0).empty());
}

TEST_F(CxxUaccessTest, ClearZeroesTheView) {
    UserWindowScope user(buf_.data(), kWindow, true);
    EXPECT_EQ(lkmfs::user_out(buf_.data() + 2, 3).clear(), 3);
    EXPECT_EQ(window(), std::string("..\0\0\0...........", kWindow));
}

TEST_F(CxxUaccessTest, CopyInFillsTheDestination) {
    std::memcpy(buf_.data(), "written!", 8);
    UserWindowScope user(buf_.data(), kWindow, false);
    std::array<char, 8> to{};
    EXPECT_EQ(lkmfs::user_in(buf_.data(), 8).copy_in(to), 8);
    EXPECT_EQ(std::string(to.data(), 8), "written!");
    std::array<std::byte, 3> bytes{};
    EXPECT_EQ(lkmfs::user_in(buf_.data() + 4, 4).copy_in(bytes), 3);
    EXPECT_EQ(bytes[0], std::byte{'t'});
}

TEST_F(CxxUaccessTest, CopyInLargerThanTheDataFailsAndZeroes) {
    std::memcpy(buf_.data(), "abc", 3);
    UserWindowScope user(buf_.data(), kWindow, false);
    std::array<char, 5> to;
    to.fill('x');
    EXPECT_EQ(lkmfs::user_in(buf_.data(), 3).copy_in(to), -EFAULT);
    EXPECT_EQ(std::string(to.data(), to.size()), std::string(5, '\0'));
}

TEST_F(CxxUaccessTest, CopyInPastTheWindowZeroesWhatItCouldNotCopy) {
    std::memcpy(buf_.data() + 12, "WXYZ", 4);
    UserWindowScope user(buf_.data(), kWindow, false);
    std::array<char, 8> to;
    to.fill('x');
    EXPECT_EQ(lkmfs::user_in(buf_.data() + 12, 8).copy_in(to), -EFAULT);
    EXPECT_EQ(std::string(to.data(), to.size()), std::string("WXYZ\0\0\0\0", 8));
}

TEST_F(CxxUaccessTest, ReadFromBufferKeepsThePosition) {
    UserWindowScope user(buf_.data(), kWindow, true);
    constexpr std::string_view text = "hello world";
    lkmfs::user_out out(buf_.data(), 4);
    loff_t pos = 0;
    EXPECT_EQ(lkmfs::read_from_buffer(out, pos, text), 4);
    EXPECT_EQ(pos, 4);
    EXPECT_EQ(std::string(buf_.data(), 4), "hell");
    EXPECT_EQ(lkmfs::read_from_buffer(out, pos, text), 4);
    EXPECT_EQ(std::string(buf_.data(), 4), "o wo");
    EXPECT_EQ(lkmfs::read_from_buffer(out, pos, text), 3);
    EXPECT_EQ(pos, 11);
    EXPECT_EQ(lkmfs::read_from_buffer(out, pos, text), 0) << "at the end";
    pos = -1;
    EXPECT_EQ(lkmfs::read_from_buffer(out, pos, text), -EINVAL);
}

TEST_F(CxxUaccessTest, WriteToBufferStopsAtTheEnd) {
    std::memcpy(buf_.data(), "12345", 5);
    UserWindowScope user(buf_.data(), kWindow, false);
    std::array<char, 8> to;
    to.fill('-');
    loff_t pos = 6;
    EXPECT_EQ(lkmfs::write_to_buffer(to, pos, lkmfs::user_in(buf_.data(), 5)), 2);
    EXPECT_EQ(pos, 8);
    EXPECT_EQ(std::string(to.data(), to.size()), "------12");
    EXPECT_EQ(lkmfs::write_to_buffer(to, pos, lkmfs::user_in(buf_.data(), 5)), 0);
    pos = -2;
    EXPECT_EQ(lkmfs::write_to_buffer(to, pos, lkmfs::user_in(buf_.data(), 5)), -EINVAL);
}

// ---- result, karray, mutex ----------------------------------------------------------------

TEST(CxxResultTest, HoldsAValueOrANegativeErrno) {
    lkmfs::result<int> value(7);
    EXPECT_TRUE(value);
    EXPECT_EQ(value.error(), 0);
    EXPECT_EQ(*value, 7);
    lkmfs::result<int> failed(lkmfs::failure{-ENOMEM});
    EXPECT_FALSE(failed);
    EXPECT_EQ(failed.error(), -ENOMEM);
    EXPECT_EQ(lkmfs::result<int>(lkmfs::failure{EIO}).error(), -EIO) << "positive is negated";
    EXPECT_EQ(lkmfs::result<int>(lkmfs::failure{0}).error(), -EINVAL) << "0 is no failure";
}

class CxxKarrayTest : public ::testing::Test {
  protected:
    std::size_t live() const { return stats_->live_objects.load(); }
    kernel::AllocStats *stats_ = kernel::kernel_alloc_stats();
    std::size_t before_ = live();
};

TEST_F(CxxKarrayTest, OwnsOneKmallocObjectUntilReset) {
    auto made = lkmfs::karray<int>::create(10, GFP_KERNEL | __GFP_ZERO);
    ASSERT_TRUE(made);
    EXPECT_EQ(live(), before_ + 1);
    lkmfs::karray<int> a = std::move(*made);
    EXPECT_FALSE(*made) << "moved from";
    EXPECT_EQ(a.size(), 10U);
    EXPECT_EQ(a.span().size(), 10U);
    EXPECT_EQ(a[9], 0);
    a[9] = 42;
    lkmfs::karray<int> b;
    b = std::move(a);
    EXPECT_FALSE(a);
    EXPECT_EQ(b.span()[9], 42);
    EXPECT_EQ(live(), before_ + 1) << "moves allocate nothing";
    b.reset();
    EXPECT_FALSE(b);
    EXPECT_EQ(live(), before_);
}

TEST_F(CxxKarrayTest, DestructorFreesAndFailuresAreENOMEM) {
    {
        auto made = lkmfs::karray<char>::create(100);
        ASSERT_TRUE(made);
        EXPECT_EQ(live(), before_ + 1);
    }
    EXPECT_EQ(live(), before_);
    auto empty = lkmfs::karray<char>::create(0);
    ASSERT_TRUE(empty) << "kmalloc(0) gives ZERO_SIZE_PTR, not NULL";
    EXPECT_TRUE(empty->empty());
    empty->reset();
    auto huge = lkmfs::karray<long>::create(SIZE_MAX / 2);
    EXPECT_EQ(huge.error(), -ENOMEM) << "count * sizeof(T) overflows";
    EXPECT_EQ(live(), before_);
}

constinit lkmfs::mutex g_static_lock("g_static_lock"); // as DEFINE_MUTEX: no constructor runs

TEST(CxxMutexTest, GuardHoldsTheLockForItsScope) {
    EXPECT_STREQ(g_static_lock.get()->dep_map.name, "g_static_lock");
    {
        lkmfs::mutex_guard guard(g_static_lock);
        EXPECT_TRUE(g_static_lock.is_locked());
        EXPECT_TRUE(lockdep_is_held(g_static_lock.get()));
        EXPECT_FALSE(g_static_lock.try_lock());
    }
    EXPECT_FALSE(g_static_lock.is_locked());
    ASSERT_TRUE(g_static_lock.try_lock());
    g_static_lock.unlock();
    ASSERT_EQ(g_static_lock.lock_interruptible(), 0);
    g_static_lock.unlock();
}

// ---- RAII /proc entries with lambda handlers ------------------------------------------------

class CxxProcTest : public ::testing::Test {
  protected:
    static kernel::KernelOptions quiet() {
        kernel::KernelOptions o;
        o.console_loglevel = 0;
        return o;
    }
    proc_dir_entry::Ptr lookup(std::string_view name, proc_dir_entry *parent = nullptr) {
        std::uint64_t ino = parent != nullptr ? parent->ino : ProcTree::kRootIno;
        return kernel_.proc().lookup(ino, name);
    }
    std::shared_ptr<OpenFile> open(std::string_view name, int flags = O_RDWR) {
        auto entry = lookup(name);
        EXPECT_NE(entry, nullptr) << name;
        if (entry == nullptr)
            return nullptr;
        OpenResult r = open_entry(entry, flags);
        EXPECT_EQ(r.err, 0);
        return r.file;
    }
    std::string read(OpenFile &f, std::size_t count, loff_t pos, ssize_t *ret = nullptr) {
        std::string buf(count, '\0');
        ssize_t n = read_file(f, buf.data(), count, pos);
        if (ret != nullptr)
            *ret = n;
        return n > 0 ? buf.substr(0, static_cast<std::size_t>(n)) : std::string();
    }
    std::size_t live() const { return kernel::kernel_alloc_stats()->live_objects.load(); }

    kernel::Kernel kernel_{quiet()};
    kernel::TaskScope task_{kernel::Caller{getpid(), getuid(), getgid()}};
    std::size_t before_ = live();
    Trace trace_;
};

TEST_F(CxxProcTest, TheCoreCallsTheLambdasThroughTheTrampolines) {
    lkmfs::proc_file file;
    ASSERT_EQ(lkmfs_cxx_test::create_traced_file(file, "cxx_rw", trace_), 0);
    ASSERT_TRUE(file);
    auto entry = lookup("cxx_rw");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry.get(), file.get());
    EXPECT_EQ(entry->ops->proc_read_iter, nullptr);

    auto f = open("cxx_rw", O_WRONLY | O_APPEND);
    ASSERT_NE(f, nullptr);
    EXPECT_TRUE(trace_.open_append);
    EXPECT_TRUE(trace_.open_writable);
    EXPECT_FALSE(trace_.open_readable);
    EXPECT_EQ(write_file(*f, "hello", 5, 0), 5);
    EXPECT_EQ(trace_.write_pos, 0);
    EXPECT_EQ(write_file(*f, "!", 1, 5), 1);
    EXPECT_EQ(trace_.write_pos, 5) << "the position the previous write left";
    release_file(f);
    EXPECT_EQ(trace_.releases, 1);
    EXPECT_TRUE(trace_.release_saw_private_data) << "private_data stays the module's";

    auto r = open("cxx_rw", O_RDONLY);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(read(*r, 4, 0), "hell");
    EXPECT_EQ(trace_.read_count, 4U);
    EXPECT_EQ(read(*r, 100, 4), "o!");
    EXPECT_EQ(trace_.read_pos, 4);
    EXPECT_EQ(read(*r, 100, 1), "ello!") << "a pread gets its own offset";
    std::array<char, 8> arg{};
    EXPECT_EQ(ioctl_file(*r, 3, 7, arg.data(), arg.size()), 307);
    EXPECT_EQ(lseek_file(*r, 2, SEEK_DATA), 2);
    EXPECT_EQ(trace_.last_whence, SEEK_DATA);
    release_file(r);
    EXPECT_EQ(std::string(trace_.events), "owwRorrrilR");
    EXPECT_EQ(trace_.captures_destroyed, 0) << "the handlers live as long as the entry";
    file.reset();
}

TEST_F(CxxProcTest, ResetRunsDownOpenFilesThenDestroysTheHandlers) {
    lkmfs::proc_file file;
    ASSERT_EQ(lkmfs_cxx_test::create_traced_file(file, "cxx_reset", trace_), 0);
    EXPECT_EQ(live(), before_ + 1) << "one kmalloc'd handlers object";
    auto f = open("cxx_reset");
    ASSERT_NE(f, nullptr);

    file.reset();
    EXPECT_FALSE(file);
    EXPECT_EQ(lookup("cxx_reset"), nullptr);
    EXPECT_EQ(std::string(trace_.events), "oRD") << "release at the rundown, then the captures";
    EXPECT_EQ(trace_.captures_destroyed, 1);
    EXPECT_EQ(live(), before_);
    EXPECT_EQ(read_file(*f, nullptr, 0, 0), -EIO) << "the file outlives its entry";
    release_file(f);
    EXPECT_EQ(trace_.releases, 1) << "released once, at the rundown";
    file.reset(); // nothing left to remove
}

TEST_F(CxxProcTest, MovingTheOwnerMovesNothingTheCorePointsTo) {
    lkmfs::proc_file a;
    ASSERT_EQ(lkmfs_cxx_test::create_traced_file(a, "cxx_move", trace_), 0);
    trace_.content_len = 2;
    std::memcpy(trace_.content, "ok", 2);
    lkmfs::proc_file b(std::move(a));
    EXPECT_FALSE(a);
    a.reset(); // owns nothing: removes nothing
    ASSERT_NE(lookup("cxx_move"), nullptr);
    lkmfs::proc_file c;
    c = std::move(b);
    auto f = open("cxx_move");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(read(*f, 10, 0), "ok");
    release_file(f);
    EXPECT_EQ(trace_.captures_destroyed, 0);
    c = lkmfs::proc_file(); // assigning removes what it owned
    EXPECT_EQ(lookup("cxx_move"), nullptr);
    EXPECT_EQ(trace_.captures_destroyed, 1);
}

TEST_F(CxxProcTest, TheDestructorRemovesTheEntryWhileTheModuleIsLive) {
    {
        lkmfs::proc_file file;
        ASSERT_EQ(lkmfs_cxx_test::create_traced_file(file, "cxx_scoped", trace_), 0);
        ASSERT_NE(lookup("cxx_scoped"), nullptr);
    }
    EXPECT_EQ(lookup("cxx_scoped"), nullptr);
    EXPECT_EQ(trace_.captures_destroyed, 1);
    EXPECT_EQ(live(), before_);
}

TEST_F(CxxProcTest, AFailedCreateIsENOMEMAndFreesTheHandlers) {
    lkmfs::proc_file first;
    ASSERT_EQ(lkmfs_cxx_test::create_traced_file(first, "cxx_dup", trace_), 0);
    Trace second_trace;
    lkmfs::proc_file second;
    EXPECT_EQ(lkmfs_cxx_test::create_traced_file(second, "cxx_dup", second_trace), -ENOMEM);
    EXPECT_FALSE(second);
    EXPECT_EQ(second_trace.captures_destroyed, 1);
    EXPECT_EQ(live(), before_ + 1) << "only the first entry's handlers remain";
    first.reset();
    EXPECT_EQ(live(), before_);
}

TEST_F(CxxProcTest, MissingHandlersGetTheCoresDefaults) {
    lkmfs::proc_file file;
    ASSERT_EQ(lkmfs_cxx_test::create_read_only_file(file, "cxx_ro"), 0);
    auto entry = lookup("cxx_ro");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->ops->proc_open, nullptr);
    EXPECT_EQ(entry->ops->proc_write, nullptr);
    EXPECT_EQ(entry->ops->proc_release, nullptr);
    auto f = open("cxx_ro", O_RDWR);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(read(*f, 10, 0), "ro\n");
    EXPECT_EQ(write_file(*f, "x", 1, 0), -EIO);
    std::array<char, 8> arg{};
    EXPECT_EQ(ioctl_file(*f, 1, 0, arg.data(), arg.size()), -ENOTTY);
    release_file(f);
}

TEST_F(CxxProcTest, HandlersWithProcOpsSignaturesAreCalledAsThey) {
    int releases = 0;
    lkmfs::proc_file file;
    ASSERT_EQ(lkmfs_cxx_test::create_c_style_file(file, "cxx_c", &releases), 0);
    auto entry = lookup("cxx_c");
    ASSERT_NE(entry, nullptr);
    OpenResult r = open_entry(entry, O_RDONLY);
    ASSERT_EQ(r.err, 0);
    EXPECT_TRUE(r.nonseekable) << "nonseekable_open ran";
    EXPECT_EQ(read(*r.file, 100, 0), "c-style\n");
    release_file(r.file);
    EXPECT_EQ(releases, 1);
}

TEST_F(CxxProcTest, AProcDirHoldsFilesCreatedUnderIt) {
    lkmfs::proc_dir dir;
    ASSERT_EQ(lkmfs_cxx_test::create_dir(dir, "cxx_dir"), 0);
    auto dir_entry = lookup("cxx_dir");
    ASSERT_NE(dir_entry, nullptr);
    EXPECT_TRUE(S_ISDIR(kernel_.proc().attr(*dir_entry).mode));
    lkmfs::proc_file file;
    ASSERT_EQ(lkmfs_cxx_test::create_traced_file(file, "inside", trace_, dir.get()), 0);
    EXPECT_NE(lookup("inside", dir.get()), nullptr);
    // Files before their directory, as with proc_remove in C.
    file.reset();
    dir.reset();
    EXPECT_EQ(lookup("cxx_dir"), nullptr);
    EXPECT_EQ(live(), before_);
}

} // namespace
} // namespace lkmfs::procfs
