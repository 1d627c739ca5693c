// A /proc entry: Linux's struct proc_dir_entry, which modules hold as an opaque pointer.
#pragma once

#include "kernel/call_report.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <linux/fs.h>
#include <linux/proc_fs.h>

namespace lkmfs::kernel {
class LoadedModule;
class TaskSignal;
} // namespace lkmfs::kernel

namespace lkmfs::procfs {

class OpenFile;

// One call through an open file in progress (a use of its entry): who makes it, and how to
// interrupt it. A removal waiting for calls names them; a forced unload signals them.
struct CallInFlight {
    const char *handler = "";             // "read", "write", ...
    pid_t pid = 0;                        // the calling process's thread
    char comm[16] = {};                   // its name
    kernel::TaskSignal *signal = nullptr; // its signal (null: cannot be interrupted)
};

using kernel::CallReport;

// Linux orders a directory's entries by name length first, then bytes (proc_match), and
// lists them in that order; so do we.
struct ProcNameLess {
    bool operator()(const std::string &a, const std::string &b) const {
        if (a.size() != b.size())
            return a.size() < b.size();
        return a < b;
    }
};

} // namespace lkmfs::procfs

struct proc_dir_entry {
    using Ptr = std::shared_ptr<proc_dir_entry>;

    std::string name;
    std::uint64_t ino = 0;
    umode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    loff_t size = 0;
    std::string link_target; // symlinks only
    const struct proc_ops *ops = nullptr;
    void *data = nullptr;
    proc_dir_entry *parent = nullptr; // parents outlive children: removal takes subtrees
    lkmfs::kernel::LoadedModule *owner = nullptr; // module whose code created it (null: core)
    std::chrono::system_clock::time_point created;
    std::map<std::string, Ptr, lkmfs::procfs::ProcNameLess> children;
    unsigned subdirs = 0;   // for st_nlink of directories
    bool permanent = false; // core entries (PROC_ENTRY_PERMANENT): never removed

    struct inode inode {}; // the inode handlers receive; i_private = data

    bool is_dir() const { return S_ISDIR(mode); }
    bool is_link() const { return S_ISLNK(mode); }
    std::string path() const; // "a/b" relative to the mount root

    // Rundown (Linux's use_pde/unuse_pde/proc_entry_rundown): calls in flight are counted;
    // removal stops new calls, waits for those in flight, then releases every open file.
    // A use may name its call (kept until unuse() with the same pointer) for the two below.
    bool use(const lkmfs::procfs::CallInFlight *call = nullptr);
    void unuse(const lkmfs::procfs::CallInFlight *call = nullptr);
    void rundown();
    bool removed() const { return removing_.load(); }

    // The named calls in flight, reported as being on `path`.
    void report_calls(const std::string &path, std::vector<lkmfs::procfs::CallReport> *out);
    // Signals every named call in flight, as a signal to its process would: interruptible
    // sleeps end with -ERESTARTSYS (or -EINTR), signal_pending() becomes true. Returns how
    // many it signalled.
    std::size_t interrupt_calls();

    void add_open_file(const std::shared_ptr<lkmfs::procfs::OpenFile> &file);
    void forget_open_file(const lkmfs::procfs::OpenFile *file);
    // Lets go of the files still open without releasing them: for the tree's end, when no
    // release can come any more. An open file holds its entry, so this breaks the cycle.
    void drop_open_files();

  private:
    std::mutex rundown_mutex_;
    std::condition_variable rundown_done_;
    int in_use_ = 0;
    std::vector<const lkmfs::procfs::CallInFlight *> calls_; // the named uses of in_use_
    std::atomic<bool> removing_{false};
    std::vector<std::shared_ptr<lkmfs::procfs::OpenFile>> open_files_;
};
