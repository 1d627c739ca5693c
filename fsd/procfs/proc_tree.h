// The /proc tree: entries by inode number and by parent/name, with Linux's rules for
// creating and removing them. One lock guards the shape of the tree (proc_subdir_lock).
#pragma once

#include "proc_entry.h"

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lkmfs::procfs {

struct EntryAttr {
    std::uint64_t ino = 0;
    umode_t mode = 0;
    unsigned nlink = 1;
    uid_t uid = 0;
    gid_t gid = 0;
    loff_t size = 0;
    std::chrono::system_clock::time_point time;
};

struct DirItem {
    std::string name;
    std::uint64_t ino;
    umode_t mode;
};

class ProcTree {
  public:
    static constexpr std::uint64_t kRootIno = 1;

    // Entries belong to owner_uid/gid unless proc_set_user says otherwise.
    ProcTree(uid_t owner_uid, gid_t owner_gid);
    ~ProcTree();
    ProcTree(const ProcTree &) = delete;
    ProcTree &operator=(const ProcTree &) = delete;

    proc_dir_entry *root() { return root_.get(); }

    // The C API's creations. Failures are reported in the kernel log and give nullptr.
    proc_dir_entry *create(const char *name, umode_t mode, proc_dir_entry *parent,
                           const struct proc_ops *ops, void *data, const char *link_target);
    void remove(const char *name, proc_dir_entry *parent); // remove_proc_entry
    int remove_subtree(const char *name, proc_dir_entry *parent);
    void remove_entry(proc_dir_entry *de); // proc_remove
    void set_size(proc_dir_entry *de, loff_t size);
    // Core directories modules must not remove (entries get it from PROC_ENTRY_PERMANENT).
    void mark_permanent(proc_dir_entry *de);
    void set_user(proc_dir_entry *de, uid_t uid, gid_t gid);
    // Removes, with a warning, whatever `module` created and did not remove.
    void remove_leftovers_of(kernel::LoadedModule *module);

    // Calls in flight on the entries `module` created, those in the tree and those being
    // removed (what an unload of the module waits for), and their interruption.
    std::vector<CallReport> calls_into(const kernel::LoadedModule *module) const;
    std::size_t interrupt_calls_into(const kernel::LoadedModule *module); // how many

    // The filesystem side.
    proc_dir_entry::Ptr find(std::uint64_t ino) const;
    proc_dir_entry::Ptr lookup(std::uint64_t parent_ino, std::string_view name) const;
    bool list(std::uint64_t ino, std::vector<DirItem> *out) const;
    EntryAttr attr(const proc_dir_entry &de) const;
    void chmod(proc_dir_entry &de, umode_t perm);
    void chown(proc_dir_entry &de, uid_t uid, gid_t gid);

  private:
    proc_dir_entry *resolve_parent(const char *name, proc_dir_entry *parent,
                                   std::string *last) const;
    // Unlinks `de` (and its subtree) from the tree; the caller runs them down afterwards.
    void unlink_locked(proc_dir_entry &de, std::vector<proc_dir_entry::Ptr> *removed);
    void run_down(std::vector<proc_dir_entry::Ptr> &removed);
    // Every entry owned by `module`, linked or running down, with its path, under mutex_.
    template <class Fn>
    void for_each_entry_of(const kernel::LoadedModule *module, Fn &&fn) const;

    mutable std::shared_mutex mutex_;
    proc_dir_entry::Ptr root_;
    std::unordered_map<std::uint64_t, proc_dir_entry::Ptr> by_ino_;
    // Unlinked entries whose rundown has not finished, with the path they had: their
    // calls in flight are still what a removal waits for.
    std::unordered_map<proc_dir_entry *, std::string> running_down_;
    std::uint64_t next_ino_ = kRootIno + 1;
    uid_t owner_uid_;
    gid_t owner_gid_;
};

} // namespace lkmfs::procfs
