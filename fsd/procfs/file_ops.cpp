#include "file_ops.h"

#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "kernel/oops.h"
#include "kernel/user_window.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>

#include <linux/kernel.h>
#include <linux/poll.h>

namespace lkmfs::procfs {

namespace {

using kernel::ModuleScope;
using kernel::UserBufferScope;

// Holds a use of the entry for the duration of a call (use_pde/unuse_pde), named after
// the handler and the calling task, so that a removal can say what it waits for and a
// forced unload can interrupt it.
class EntryUse {
  public:
    explicit EntryUse(proc_dir_entry &de, const char *handler = "call")
        : de_(de), call_(current_call(handler)), ok_(de.use(&call_)) {}
    ~EntryUse() {
        if (ok_)
            de_.unuse(&call_);
    }
    EntryUse(const EntryUse &) = delete;
    EntryUse &operator=(const EntryUse &) = delete;
    explicit operator bool() const { return ok_; }

  private:
    static CallInFlight current_call(const char *handler) {
        const kernel::ExecContext &ctx = kernel::exec_context();
        CallInFlight call;
        call.handler = handler;
        call.pid = ctx.task.pid;
        std::memcpy(call.comm, ctx.task.comm, sizeof call.comm);
        call.comm[sizeof call.comm - 1] = '\0';
        call.signal = ctx.signal;
        return call;
    }
    proc_dir_entry &de_;
    CallInFlight call_;
    bool ok_;
};

fmode_t fmode_for(int flags) {
    fmode_t mode = FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
    switch (flags & O_ACCMODE) {
    case O_RDONLY:
        mode |= FMODE_READ;
        break;
    case O_WRONLY:
        mode |= FMODE_WRITE;
        break;
    default:
        mode |= FMODE_READ | FMODE_WRITE;
    }
    return mode;
}

ssize_t checked_count(ssize_t ret, std::size_t count, const char *what, const proc_dir_entry &de) {
    if (ret > static_cast<ssize_t>(count)) {
        printk(KERN_WARNING "WARNING: %s of /proc/%s returned %zd for a %zu-byte request\n", what,
               de.path().c_str(), ret, count);
        return static_cast<ssize_t>(count);
    }
    return ret;
}

// A handler oopsed (the report is in the log). As Linux kills the task that oopsed, the
// calling process is killed, unless the configuration asks for the call to fail with EIO
// instead; either way the call fails. Never the daemon itself (a core file read by lkmfsd).
int after_oops() {
    const kernel::ExecContext &ctx = kernel::exec_context();
    if (kernel::Kernel::get().options().oops_kills_caller && ctx.has_task && ctx.task.tgid > 0 &&
        ctx.task.tgid != ::getpid())
        ::kill(ctx.task.tgid, SIGKILL);
    return -EIO;
}

void call_release(OpenFile &file) {
    proc_dir_entry &de = file.entry();
    if (de.ops == nullptr || de.ops->proc_release == nullptr)
        return;
    ModuleScope scope(de.owner);
    if (!kernel::run_contained("proc_release",
                               [&] { de.ops->proc_release(&de.inode, &file.file); }))
        after_oops();
}

} // namespace

OpenResult open_entry(const proc_dir_entry::Ptr &entry, int open_flags) {
    OpenResult result;
    EntryUse use(*entry, "open");
    if (!use) {
        result.err = -ENOENT;
        return result;
    }
    auto file = std::make_shared<OpenFile>(entry);
    struct file &f = file->file;
    file->file_cred = *get_current()->cred;
    file->dentry.d_name.name = reinterpret_cast<const unsigned char *>(entry->name.c_str());
    file->dentry.d_name.len = static_cast<unsigned>(entry->name.size());
    file->dentry.d_inode = &entry->inode;
    f.f_path.dentry = &file->dentry;
    f.f_inode = &entry->inode;
    f.f_op = entry->ops;
    f.f_flags = static_cast<unsigned>(open_flags);
    f.f_mode = fmode_for(open_flags);
    f.f_cred = &file->file_cred;
    // As proc_reg_open(): an entry without proc_lseek cannot be lseek()ed.
    if (entry->ops == nullptr || entry->ops->proc_lseek == nullptr)
        f.f_mode &= ~FMODE_LSEEK;
    if (entry->ops != nullptr && entry->ops->proc_open != nullptr) {
        ModuleScope scope(entry->owner);
        int err = 0;
        if (!kernel::run_contained("proc_open",
                                   [&] { err = entry->ops->proc_open(&entry->inode, &f); }))
            err = after_oops();
        if (err != 0) {
            result.err = err < 0 ? err : -EINVAL;
            return result;
        }
    }
    // nonseekable_open()/stream_open() also take pread away; FUSE can express only that.
    result.nonseekable = !(f.f_mode & FMODE_PREAD);
    entry->add_open_file(file);
    result.file = std::move(file);
    return result;
}

ssize_t read_file(OpenFile &file, char *user, std::size_t count, loff_t pos) {
    proc_dir_entry &de = file.entry();
    EntryUse use(de, "read");
    if (!use)
        return -EIO;
    if (de.ops == nullptr || (de.ops->proc_read == nullptr && de.ops->proc_read_iter == nullptr))
        return -EIO;
    std::lock_guard pos_lock(file.pos_lock);
    file.file.f_pos = pos == file.fuse_next ? file.file.f_pos : pos;
    ssize_t ret = 0;
    // As Linux 6.1's procfs: an entry with proc_read_iter is read through it (one user
    // buffer, as new_sync_read() makes for read(2)), and its proc_read is not used.
    bool by_iter = de.ops->proc_read_iter != nullptr;
    {
        ModuleScope scope(de.owner);
        // The handler sees the caller's buffer at a user address (user_window.h): reachable
        // through copy_to_user() & co., a fault when dereferenced.
        UserBufferScope window(user, count, /*writable=*/true);
        auto *ubuf = static_cast<char *>(window.user_address());
        bool returned = kernel::run_contained(by_iter ? "proc_read_iter" : "proc_read", [&] {
            if (by_iter) {
                kiocb iocb{&file.file, file.file.f_pos, 0};
                iov_iter iter;
                iov_iter_ubuf(&iter, ITER_DEST, ubuf, count);
                ret = de.ops->proc_read_iter(&iocb, &iter);
                file.file.f_pos = iocb.ki_pos;
            } else {
                ret = de.ops->proc_read(&file.file, ubuf, count, &file.file.f_pos);
            }
        });
        if (!returned)
            ret = after_oops();
    }
    ret = checked_count(ret, count, by_iter ? "proc_read_iter" : "proc_read", de);
    file.fuse_next = pos + (ret > 0 ? ret : 0);
    return ret;
}

ssize_t write_file(OpenFile &file, const char *user, std::size_t count, loff_t pos) {
    proc_dir_entry &de = file.entry();
    EntryUse use(de, "write");
    if (!use)
        return -EIO;
    if (de.ops == nullptr || de.ops->proc_write == nullptr)
        return -EIO;
    std::lock_guard pos_lock(file.pos_lock);
    // With O_APPEND, FUSE puts every write at st_size (0); Linux's /proc writes at f_pos.
    bool sequential = pos == file.fuse_next || (file.file.f_flags & O_APPEND);
    file.file.f_pos = sequential ? file.file.f_pos : pos;
    ssize_t ret = 0;
    {
        ModuleScope scope(de.owner);
        UserBufferScope window(const_cast<char *>(user), count, /*writable=*/false);
        const auto *ubuf = static_cast<const char *>(window.user_address());
        if (!kernel::run_contained("proc_write", [&] {
                ret = de.ops->proc_write(&file.file, ubuf, count, &file.file.f_pos);
            }))
            ret = after_oops();
    }
    ret = checked_count(ret, count, "proc_write", de);
    file.fuse_next = pos + (ret > 0 ? ret : 0);
    return ret;
}

long ioctl_file(OpenFile &file, unsigned int cmd, unsigned long arg, void *user,
                std::size_t user_size) {
    proc_dir_entry &de = file.entry();
    EntryUse use(de, "ioctl");
    if (!use || de.ops == nullptr || de.ops->proc_ioctl == nullptr)
        return -ENOTTY;
    ModuleScope scope(de.owner);
    UserBufferScope window(user, user_size, /*writable=*/true);
    // A restricted ioctl's arg points at the buffer FUSE copied the argument into: the
    // handler gets its user address. Any other arg is a plain number, passed on as it is.
    if (user != nullptr && arg == reinterpret_cast<std::uintptr_t>(user))
        arg = window.user_address_of(user);
    long ret = 0;
    if (!kernel::run_contained("proc_ioctl",
                               [&] { ret = de.ops->proc_ioctl(&file.file, cmd, arg); }))
        ret = after_oops();
    return ret == -ENOIOCTLCMD ? -ENOTTY : ret;
}

loff_t lseek_file(OpenFile &file, loff_t offset, int whence) {
    proc_dir_entry &de = file.entry();
    EntryUse use(de, "lseek");
    if (!use)
        return -EINVAL;
    if (!(file.file.f_mode & FMODE_LSEEK))
        return -ESPIPE;
    ModuleScope scope(de.owner);
    loff_t pos = 0;
    if (!kernel::run_contained("proc_lseek",
                               [&] { pos = de.ops->proc_lseek(&file.file, offset, whence); }))
        pos = after_oops();
    return pos;
}

__poll_t poll_file(OpenFile &file, __poll_t events, PollNotify notify) {
    proc_dir_entry &de = file.entry();
    // As proc_reg_poll(): no handler, or a removed entry, is always readable and writable
    // (a notifier is then never needed: it goes at once).
    EntryUse use(de, "poll");
    if (!use || de.ops == nullptr || de.ops->proc_poll == nullptr)
        return DEFAULT_POLLMASK;
    bool may_wait = static_cast<bool>(notify);
    // Installed before the handler looks at its condition: a wake-up that comes between
    // its poll_wait() and its answer reaches the poller.
    if (may_wait)
        file.poll.set_notifier(std::move(notify));
    FilePoll::Table table(file.poll, events, may_wait);
    ModuleScope scope(de.owner);
    __poll_t mask = 0;
    if (!kernel::run_contained("proc_poll",
                               [&] { mask = de.ops->proc_poll(&file.file, table.get()); })) {
        after_oops();
        return EPOLLERR;
    }
    return mask;
}

void release_file(const std::shared_ptr<OpenFile> &file) {
    proc_dir_entry &de = file->entry();
    EntryUse use(de, "release");
    if (!use)
        return; // the entry's rundown releases (or released) this file
    // Off every queue before proc_release, which may free them (as eventpoll_release()
    // comes before ->release() in Linux's __fput()).
    file->poll.close(/*wake_poller=*/false);
    if (file->claim_release())
        call_release(*file);
    de.forget_open_file(file.get());
}

void release_at_rundown(OpenFile &file) {
    // The module is going: its queues will never wake this file again, so a poller still
    // waiting is told to poll once more, and then finds the entry removed.
    file.poll.close(/*wake_poller=*/true);
    if (file.claim_release())
        call_release(file);
}

} // namespace lkmfs::procfs
