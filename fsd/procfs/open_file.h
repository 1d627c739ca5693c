// An open /proc file: Linux's struct file plus the bookkeeping of its release.
#pragma once

#include "file_poll.h"
#include "kernel/caller.h"
#include "proc_entry.h"

#include <cstddef>
#include <memory>
#include <mutex>

#include <linux/fs.h>

namespace lkmfs::procfs {

class OpenFile {
  public:
    explicit OpenFile(proc_dir_entry::Ptr entry) : entry_(std::move(entry)) {}

    struct file file {};
    struct dentry dentry {};
    cred file_cred{};

    // The last process that used the file. FUSE delivers the final release without a
    // caller (the kernel sends it from fput()); Linux's release runs in the closer's
    // context, which is, in the common case, this process.
    kernel::Caller last_caller() const {
        std::lock_guard lock(mutex_);
        return last_caller_;
    }
    void set_last_caller(const kernel::Caller &caller) {
        std::lock_guard lock(mutex_);
        last_caller_ = caller;
    }

    proc_dir_entry &entry() const { return *entry_; }
    const proc_dir_entry::Ptr &entry_ptr() const { return entry_; }

    // proc_release runs exactly once per open file, either on close or at rundown;
    // the first caller to claim it runs it.
    bool claim_release() {
        std::lock_guard lock(mutex_);
        if (released_)
            return false;
        released_ = true;
        return true;
    }

    // Linux serializes read()/write() on one file with f_pos_lock (FMODE_ATOMIC_POS), and
    // a handler's own *f_pos is what the next read() passes. FUSE sends an offset with each
    // call instead; `fuse_next` is the offset a sequential call will carry, so such a call
    // gets the handler's f_pos (a handler that does not advance it sees the same position
    // again, as in Linux), while a pread() or a call after lseek() gets its own offset.
    std::mutex pos_lock;
    loff_t fuse_next = 0;

    // The queues proc_poll waits on and who to tell when they are woken (file_ops: closed
    // before proc_release, at close or at rundown).
    FilePoll poll;

  private:
    proc_dir_entry::Ptr entry_;
    mutable std::mutex mutex_;
    bool released_ = false;
    kernel::Caller last_caller_;
};

} // namespace lkmfs::procfs
