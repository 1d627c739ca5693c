// Calls into an entry's proc_ops (fsd/procfs/file_ops.cpp) as Linux 6.1's fs/proc/inode.c
// makes them: open/read/write/ioctl/lseek/release through fake handlers that count their
// calls, the results for missing handlers, and the rundown on removal (wait for calls in
// flight, refuse new ones, release every file still open exactly once).
#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "kernel/loaded_module.h"
#include "procfs/file_ops.h"
#include "procfs/proc_tree.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <unistd.h>

#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

namespace lkmfs::procfs {
namespace {

using namespace std::chrono_literals;

// ---- the fake handlers ------------------------------------------------------------------

// A gate a handler waits at until the test opens it (for at most 10 s: never a hang).
class Latch {
  public:
    void enter_and_wait() {
        std::unique_lock lock(mutex_);
        entered_ = true;
        changed_.notify_all();
        changed_.wait_for(lock, 10s, [&] { return open_; });
    }
    bool wait_entered(std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, [&] { return entered_; });
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool entered_ = false;
    bool open_ = false;
};

struct Calls {
    std::atomic<int> open{0};
    std::atomic<int> read{0};
    std::atomic<int> write{0};
    std::atomic<int> release{0};
    std::atomic<int> ioctl{0};
    std::atomic<int> lseek{0};
    int open_result = 0;
    // What the handlers saw.
    void *open_data = nullptr;
    unsigned int open_flags = 0;
    fmode_t open_mode = 0;
    uid_t open_uid = 0;
    kernel::LoadedModule *read_module = nullptr;
    loff_t read_pos = -1;
    unsigned long read_overreach_left = 0;
    std::string written;
    unsigned long write_copy_to_user_left = 0;
    bool release_saw_private_data = false;
    std::mutex mutex;
    std::map<const struct file *, int> releases; // per file
    Latch *latch = nullptr;
};
Calls *g_calls = nullptr;

constexpr const char kText[] = "hello world";

int fake_open(struct inode *inode, struct file *file) {
    ++g_calls->open;
    g_calls->open_data = pde_data(inode);
    g_calls->open_flags = file->f_flags;
    g_calls->open_mode = file->f_mode;
    g_calls->open_uid = file->f_cred->uid.val;
    file->private_data = g_calls;
    return g_calls->open_result;
}

ssize_t fake_read(struct file *, char __user *buf, size_t count, loff_t *ppos) {
    ++g_calls->read;
    g_calls->read_module = kernel::exec_context().module;
    g_calls->read_pos = *ppos;
    // One byte past the caller's buffer is not user memory.
    g_calls->read_overreach_left = copy_to_user(buf + count, "!", 1);
    return simple_read_from_buffer(buf, count, ppos, kText, sizeof kText - 1);
}

ssize_t fake_write(struct file *, const char __user *buf, size_t count, loff_t *) {
    ++g_calls->write;
    char kbuf[64] = {};
    size_t n = count < sizeof kbuf ? count : sizeof kbuf;
    if (copy_from_user(kbuf, buf, n) != 0)
        return -EFAULT;
    g_calls->written.assign(kbuf, n);
    // The data of a write(2) is read-only to the handler.
    g_calls->write_copy_to_user_left = copy_to_user(const_cast<char *>(buf), "x", 1);
    return static_cast<ssize_t>(count);
}

int fake_release(struct inode *, struct file *file) {
    ++g_calls->release;
    g_calls->release_saw_private_data = file->private_data == g_calls;
    std::lock_guard lock(g_calls->mutex);
    ++g_calls->releases[file];
    return 0;
}

long fake_ioctl(struct file *, unsigned int cmd, unsigned long arg) {
    ++g_calls->ioctl;
    switch (cmd) {
    case 1:
        return static_cast<long>(arg * 2);
    case 2:
        return put_user(42, reinterpret_cast<int __user *>(arg));
    default:
        return -ENOIOCTLCMD;
    }
}

loff_t fake_lseek(struct file *file, loff_t offset, int whence) {
    ++g_calls->lseek;
    return fixed_size_llseek(file, offset, whence, 100);
}

ssize_t blocking_read(struct file *, char __user *, size_t, loff_t *) {
    ++g_calls->read;
    g_calls->latch->enter_and_wait();
    return 7;
}

int nonseekable_fake_open(struct inode *inode, struct file *file) {
    ++g_calls->open;
    return nonseekable_open(inode, file);
}

constexpr struct proc_ops
make_ops(int (*open)(struct inode *, struct file *),
         ssize_t (*read)(struct file *, char __user *, size_t, loff_t *),
         ssize_t (*write)(struct file *, const char __user *, size_t, loff_t *),
         loff_t (*lseek)(struct file *, loff_t, int), int (*release)(struct inode *, struct file *),
         long (*ioctl)(struct file *, unsigned int, unsigned long)) {
    return {0,       open,    read,  nullptr, write,   lseek,
            release, nullptr, ioctl, nullptr, nullptr, nullptr};
}

const struct proc_ops kFullOps =
    make_ops(fake_open, fake_read, fake_write, fake_lseek, fake_release, fake_ioctl);
const struct proc_ops kEmptyOps = make_ops(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
const struct proc_ops kReleaseOnlyOps =
    make_ops(nullptr, nullptr, nullptr, nullptr, fake_release, nullptr);
const struct proc_ops kBlockingOps =
    make_ops(fake_open, blocking_read, nullptr, nullptr, fake_release, nullptr);
const struct proc_ops kNonseekableOps =
    make_ops(nonseekable_fake_open, fake_read, nullptr, nullptr, nullptr, nullptr);

// ---- the fixture ------------------------------------------------------------------------

class ProcfsFileOpsTest : public ::testing::Test {
  protected:
    ProcfsFileOpsTest() { g_calls = &calls_; }
    ~ProcfsFileOpsTest() override {
        latch_.open(); // never leave a handler blocked behind
        g_calls = nullptr;
    }

    static kernel::KernelOptions quiet() {
        kernel::KernelOptions o;
        o.console_loglevel = 0;
        return o;
    }
    proc_dir_entry::Ptr create(const char *name, const struct proc_ops *ops, void *data = nullptr) {
        proc_dir_entry *de = proc_create_data(name, 0666, nullptr, ops, data);
        EXPECT_NE(de, nullptr) << name;
        return de != nullptr ? kernel_.proc().find(de->ino) : nullptr;
    }
    std::shared_ptr<OpenFile> open(const proc_dir_entry::Ptr &entry, int flags = O_RDWR) {
        OpenResult r = open_entry(entry, flags);
        EXPECT_EQ(r.err, 0);
        return r.file;
    }
    int releases_of(const OpenFile &f) {
        std::lock_guard lock(calls_.mutex);
        auto it = calls_.releases.find(&f.file);
        return it == calls_.releases.end() ? 0 : it->second;
    }

    Calls calls_;
    Latch latch_;
    kernel::Kernel kernel_{quiet()};
    kernel::TaskScope task_{kernel::Caller{getpid(), getuid(), getgid()}};
};

// ---- open -------------------------------------------------------------------------------

TEST_F(ProcfsFileOpsTest, OpenCallsProcOpenWithTheEntrysInodeAndFlags) {
    int cookie = 0;
    auto entry = create("fo_open", &kFullOps, &cookie);
    ASSERT_NE(entry, nullptr);
    OpenResult r = open_entry(entry, O_RDWR | O_NONBLOCK);
    ASSERT_EQ(r.err, 0);
    ASSERT_NE(r.file, nullptr);
    EXPECT_EQ(calls_.open.load(), 1);
    EXPECT_EQ(calls_.open_data, &cookie);
    EXPECT_EQ(calls_.open_flags & O_ACCMODE, static_cast<unsigned>(O_RDWR));
    EXPECT_TRUE(calls_.open_flags & O_NONBLOCK);
    EXPECT_TRUE(calls_.open_mode & FMODE_READ);
    EXPECT_TRUE(calls_.open_mode & FMODE_WRITE);
    EXPECT_EQ(calls_.open_uid, getuid());
    EXPECT_EQ(r.file->file.f_inode, &entry->inode);
    EXPECT_EQ(r.file->file.f_op, &kFullOps);
    EXPECT_EQ(r.file->file.private_data, &calls_);
    EXPECT_FALSE(r.nonseekable);
    EXPECT_EQ(&r.file->entry(), entry.get());
    release_file(r.file);
}

TEST_F(ProcfsFileOpsTest, OpenModesFollowTheAccessMode) {
    auto entry = create("fo_modes", &kFullOps);
    ASSERT_NE(entry, nullptr);
    auto ro = open(entry, O_RDONLY);
    ASSERT_NE(ro, nullptr);
    EXPECT_TRUE(ro->file.f_mode & FMODE_READ);
    EXPECT_FALSE(ro->file.f_mode & FMODE_WRITE);
    auto wo = open(entry, O_WRONLY);
    ASSERT_NE(wo, nullptr);
    EXPECT_FALSE(wo->file.f_mode & FMODE_READ);
    EXPECT_TRUE(wo->file.f_mode & FMODE_WRITE);
    release_file(ro);
    release_file(wo);
    EXPECT_EQ(calls_.release.load(), 2);
}

TEST_F(ProcfsFileOpsTest, FailedOpenIsReturnedAndNeverReleased) {
    auto entry = create("fo_fail", &kFullOps);
    ASSERT_NE(entry, nullptr);
    calls_.open_result = -EACCES;
    OpenResult r = open_entry(entry, O_RDONLY);
    EXPECT_EQ(r.err, -EACCES);
    EXPECT_EQ(r.file, nullptr);
    EXPECT_EQ(calls_.open.load(), 1);
    remove_proc_entry("fo_fail", nullptr);
    EXPECT_EQ(calls_.release.load(), 0);
}

TEST_F(ProcfsFileOpsTest, OpenWithoutProcOpenSucceeds) {
    auto entry = create("fo_noopen", &kEmptyOps);
    ASSERT_NE(entry, nullptr);
    auto f = open(entry);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(calls_.open.load(), 0);
    release_file(f);
}

TEST_F(ProcfsFileOpsTest, NonseekableOpenIsReported) {
    auto entry = create("fo_nonseek", &kNonseekableOps);
    ASSERT_NE(entry, nullptr);
    OpenResult r = open_entry(entry, O_RDONLY);
    ASSERT_EQ(r.err, 0);
    EXPECT_EQ(calls_.open.load(), 1);
    EXPECT_TRUE(r.nonseekable);
    EXPECT_FALSE(r.file->file.f_mode & FMODE_LSEEK);
    release_file(r.file);
}

// ---- read, write, ioctl, lseek ----------------------------------------------------------

TEST_F(ProcfsFileOpsTest, ReadGoesThroughTheHandlerInTheOwnersScope) {
    kernel::LoadedModule m("fo_module", "test", kernel::ModuleImage{});
    proc_dir_entry *de = nullptr;
    {
        kernel::ModuleScope scope(&m);
        de = proc_create("fo_read", 0444, nullptr, &kFullOps);
    }
    ASSERT_NE(de, nullptr);
    auto entry = kernel_.proc().find(de->ino);
    auto f = open(entry, O_RDONLY);
    ASSERT_NE(f, nullptr);

    char buf[16];
    std::memset(buf, '.', sizeof buf);
    EXPECT_EQ(read_file(*f, buf, 5, 0), 5);
    EXPECT_EQ(std::string(buf, 6), "hello.");
    EXPECT_EQ(calls_.read_module, &m);
    EXPECT_EQ(calls_.read_pos, 0);
    EXPECT_EQ(calls_.read_overreach_left, 1u) << "the handler wrote past the caller's buffer";

    std::memset(buf, '.', sizeof buf);
    EXPECT_EQ(read_file(*f, buf, sizeof buf, 6), 5);
    EXPECT_EQ(calls_.read_pos, 6);
    EXPECT_EQ(std::string(buf, 6), "world.");
    EXPECT_EQ(read_file(*f, buf, sizeof buf, 11), 0);
    EXPECT_EQ(calls_.read.load(), 3);
    EXPECT_EQ(kernel::exec_context().module, nullptr); // the scope ended with the call
    release_file(f);
    remove_proc_entry("fo_read", nullptr);
}

TEST_F(ProcfsFileOpsTest, WriteGoesThroughTheHandlerWithReadOnlyData) {
    auto entry = create("fo_write", &kFullOps);
    ASSERT_NE(entry, nullptr);
    auto f = open(entry, O_WRONLY);
    ASSERT_NE(f, nullptr);
    char data[] = "data";
    EXPECT_EQ(write_file(*f, data, 4, 0), 4);
    EXPECT_EQ(calls_.write.load(), 1);
    EXPECT_EQ(calls_.written, "data");
    EXPECT_EQ(calls_.write_copy_to_user_left, 1u);
    EXPECT_STREQ(data, "data");
    release_file(f);
}

TEST_F(ProcfsFileOpsTest, Ioctl) {
    auto entry = create("fo_ioctl", &kFullOps);
    ASSERT_NE(entry, nullptr);
    auto f = open(entry);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(ioctl_file(*f, 1, 21, nullptr, 0), 42);
    int out = 0;
    EXPECT_EQ(ioctl_file(*f, 2, reinterpret_cast<unsigned long>(&out), &out, sizeof out), 0);
    EXPECT_EQ(out, 42);
    // The argument is only user memory when it lies in the request's buffer.
    int elsewhere = 0;
    EXPECT_EQ(ioctl_file(*f, 2, reinterpret_cast<unsigned long>(&elsewhere), &out, sizeof out),
              -EFAULT);
    EXPECT_EQ(elsewhere, 0);
    // -ENOIOCTLCMD reaches the caller as -ENOTTY.
    EXPECT_EQ(ioctl_file(*f, 3, 0, nullptr, 0), -ENOTTY);
    EXPECT_EQ(calls_.ioctl.load(), 4);
    release_file(f);
}

TEST_F(ProcfsFileOpsTest, LseekUsesProcLseek) {
    auto entry = create("fo_lseek", &kFullOps);
    ASSERT_NE(entry, nullptr);
    auto f = open(entry);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(lseek_file(*f, 10, SEEK_SET), 10);
    EXPECT_EQ(lseek_file(*f, 5, SEEK_CUR), 15);
    EXPECT_EQ(lseek_file(*f, -10, SEEK_END), 90);
    EXPECT_EQ(lseek_file(*f, 101, SEEK_SET), -EINVAL);
    EXPECT_EQ(calls_.lseek.load(), 4);
    release_file(f);
}

TEST_F(ProcfsFileOpsTest, MissingHandlersGiveLinuxErrors) {
    auto entry = create("fo_empty", &kEmptyOps);
    ASSERT_NE(entry, nullptr);
    auto f = open(entry);
    ASSERT_NE(f, nullptr);
    char buf[8];
    EXPECT_EQ(read_file(*f, buf, sizeof buf, 0), -EIO);
    EXPECT_EQ(write_file(*f, "x", 1, 0), -EIO);
    EXPECT_EQ(ioctl_file(*f, 1, 0, nullptr, 0), -ENOTTY);
    EXPECT_EQ(poll_file(*f), kDefaultPollMask);
    release_file(f);
}

// Linux 6.1's proc_reg_open() clears FMODE_LSEEK when the entry has no proc_lseek, so
// lseek(2) on such a file fails with -ESPIPE (vfs_llseek falls back to no_llseek).
TEST_F(ProcfsFileOpsTest, LseekWithoutProcLseekIsRefused) {
    auto entry = create("fo_nolseek", &kEmptyOps);
    ASSERT_NE(entry, nullptr);
    OpenResult r = open_entry(entry, O_RDONLY);
    ASSERT_EQ(r.err, 0);
    EXPECT_FALSE(r.file->file.f_mode & FMODE_LSEEK);
    EXPECT_EQ(lseek_file(*r.file, 0, SEEK_SET), -ESPIPE);
    release_file(r.file);
}

// ---- release ----------------------------------------------------------------------------

TEST_F(ProcfsFileOpsTest, ReleaseRunsOnceOnClose) {
    auto entry = create("fo_release", &kFullOps);
    ASSERT_NE(entry, nullptr);
    auto f = open(entry);
    ASSERT_NE(f, nullptr);
    release_file(f);
    EXPECT_EQ(calls_.release.load(), 1);
    EXPECT_TRUE(calls_.release_saw_private_data);
    remove_proc_entry("fo_release", nullptr);
    EXPECT_EQ(calls_.release.load(), 1) << "a closed file is not released again at removal";
    EXPECT_EQ(releases_of(*f), 1);
}

TEST_F(ProcfsFileOpsTest, RemovalReleasesFilesStillOpenExactlyOnce) {
    auto entry = create("fo_open_files", &kReleaseOnlyOps);
    ASSERT_NE(entry, nullptr);
    auto a = open(entry);
    auto b = open(entry);
    auto c = open(entry);
    ASSERT_TRUE(a && b && c);
    release_file(a);
    EXPECT_EQ(calls_.release.load(), 1);
    remove_proc_entry("fo_open_files", nullptr); // b and c are still open
    EXPECT_EQ(calls_.release.load(), 3);
    EXPECT_EQ(releases_of(*b), 1);
    EXPECT_EQ(releases_of(*c), 1);
    release_file(b); // the last close after removal: proc_release already ran
    release_file(c);
    EXPECT_EQ(calls_.release.load(), 3);
    EXPECT_EQ(releases_of(*a), 1);
    EXPECT_EQ(releases_of(*b), 1);
    EXPECT_EQ(releases_of(*c), 1);
}

// ---- after removal ----------------------------------------------------------------------

TEST_F(ProcfsFileOpsTest, CallsAfterRemovalFail) {
    auto entry = create("fo_removed", &kFullOps);
    ASSERT_NE(entry, nullptr);
    auto f = open(entry);
    ASSERT_NE(f, nullptr);
    remove_proc_entry("fo_removed", nullptr);
    EXPECT_EQ(calls_.release.load(), 1);
    char buf[8];
    EXPECT_EQ(read_file(*f, buf, sizeof buf, 0), -EIO);
    EXPECT_EQ(write_file(*f, "x", 1, 0), -EIO);
    EXPECT_EQ(lseek_file(*f, 0, SEEK_SET), -EINVAL);
    EXPECT_EQ(ioctl_file(*f, 1, 1, nullptr, 0), -ENOTTY);
    OpenResult again = open_entry(entry, O_RDONLY);
    EXPECT_EQ(again.err, -ENOENT);
    EXPECT_EQ(again.file, nullptr);
    EXPECT_EQ(calls_.open.load(), 1);
    EXPECT_EQ(calls_.read.load(), 0);
    EXPECT_EQ(calls_.write.load(), 0);
    EXPECT_EQ(calls_.lseek.load(), 0);
    EXPECT_EQ(calls_.ioctl.load(), 0);
    release_file(f);
    EXPECT_EQ(calls_.release.load(), 1);
}

TEST_F(ProcfsFileOpsTest, ProcRemoveRunsDownToo) {
    auto entry = create("fo_proc_remove", &kFullOps);
    ASSERT_NE(entry, nullptr);
    auto f = open(entry);
    ASSERT_NE(f, nullptr);
    proc_remove(entry.get());
    EXPECT_EQ(calls_.release.load(), 1);
    char buf[8];
    EXPECT_EQ(read_file(*f, buf, sizeof buf, 0), -EIO);
    release_file(f);
    EXPECT_EQ(calls_.release.load(), 1);
}

// ---- rundown with a call in flight ------------------------------------------------------

TEST_F(ProcfsFileOpsTest, RemovalWaitsForTheCallInFlight) {
    calls_.latch = &latch_;
    auto entry = create("fo_blocking", &kBlockingOps);
    ASSERT_NE(entry, nullptr);
    auto f = open(entry, O_RDONLY);
    auto other = open(entry, O_RDONLY);
    ASSERT_TRUE(f && other);

    auto reader = std::async(std::launch::async, [&] {
        char buf[8];
        return read_file(*f, buf, sizeof buf, 0);
    });
    ASSERT_TRUE(latch_.wait_entered(5s)) << "the read handler never ran";

    auto remover = std::async(std::launch::async, [] {
        remove_proc_entry("fo_blocking", nullptr);
        return true;
    });
    EXPECT_EQ(remover.wait_for(200ms), std::future_status::timeout)
        << "remove_proc_entry returned while a handler was running";
    EXPECT_EQ(calls_.release.load(), 0) << "released while a handler was running";

    // While the removal waits, no new call gets in.
    EXPECT_TRUE(entry->removed());
    char buf[8];
    EXPECT_EQ(read_file(*other, buf, sizeof buf, 0), -EIO);
    EXPECT_EQ(open_entry(entry, O_RDONLY).err, -ENOENT);
    EXPECT_EQ(calls_.read.load(), 1);
    EXPECT_EQ(kernel_.proc().lookup(kernel_.proc().root()->ino, "fo_blocking"), nullptr);

    latch_.open();
    ASSERT_EQ(remover.wait_for(5s), std::future_status::ready)
        << "remove_proc_entry did not return after the handler left";
    ASSERT_EQ(reader.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(reader.get(), 7);
    EXPECT_EQ(calls_.release.load(), 2); // both files, once each, by the remover
    EXPECT_EQ(releases_of(*f), 1);
    EXPECT_EQ(releases_of(*other), 1);
    release_file(f);
    release_file(other);
    EXPECT_EQ(calls_.release.load(), 2);
}

TEST_F(ProcfsFileOpsTest, CloseDuringRundownReleasesOnce) {
    calls_.latch = &latch_;
    auto entry = create("fo_close_race", &kBlockingOps);
    ASSERT_NE(entry, nullptr);
    auto busy = open(entry, O_RDONLY);
    auto closing = open(entry, O_RDONLY);
    ASSERT_TRUE(busy && closing);
    auto reader = std::async(std::launch::async, [&] {
        char buf[8];
        return read_file(*busy, buf, sizeof buf, 0);
    });
    ASSERT_TRUE(latch_.wait_entered(5s));
    auto remover = std::async(std::launch::async, [] {
        remove_proc_entry("fo_close_race", nullptr);
        return true;
    });
    EXPECT_EQ(remover.wait_for(100ms), std::future_status::timeout);

    // The last close of a file while its entry is being removed must not block on the
    // handler in flight, and its release must still happen exactly once.
    auto closer = std::async(std::launch::async, [&] {
        release_file(closing);
        return true;
    });
    EXPECT_EQ(closer.wait_for(5s), std::future_status::ready) << "close blocked on the rundown";

    latch_.open();
    ASSERT_EQ(remover.wait_for(5s), std::future_status::ready);
    ASSERT_EQ(reader.wait_for(5s), std::future_status::ready);
    ASSERT_EQ(closer.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(releases_of(*closing), 1);
    EXPECT_EQ(releases_of(*busy), 1);
    release_file(busy);
    EXPECT_EQ(releases_of(*busy), 1);
    EXPECT_EQ(calls_.release.load(), 2);
}

} // namespace
} // namespace lkmfs::procfs
