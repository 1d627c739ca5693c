// proc_create_seq_private and proc_create_single_data (<linux/proc_fs.h>): entries whose
// open, read, lseek and release are the seq_file's, as Linux 6.1's fs/proc/generic.c.
//
// Linux keeps seq_ops, state_size and single_show in the proc_dir_entry itself. Here they
// live beside the tree, by inode number (never reused): an entry's record is written before
// anyone can open the entry and dropped once the entry has left the tree.
#include "kernel/kernel.h"
#include "proc_tree.h"

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include <linux/errno.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

namespace {

struct SeqEntry {
    const struct seq_operations *seq_ops = nullptr;
    unsigned int state_size = 0;
    int (*single_show)(struct seq_file *, void *) = nullptr;
};

class SeqEntries {
  public:
    // Creates the entry with `ops` and records `info` for it, before it can be opened.
    struct proc_dir_entry *create(const char *name, umode_t mode, struct proc_dir_entry *parent,
                                  const struct proc_ops *ops, void *data, SeqEntry info) {
        std::lock_guard lock(mutex_);
        drop_removed_locked();
        struct proc_dir_entry *de = proc_create_data(name, mode, parent, ops, data);
        if (de != nullptr)
            entries_[de->ino] = info;
        return de;
    }
    bool find(std::uint64_t ino, SeqEntry *out) {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(ino);
        if (it == entries_.end())
            return false;
        *out = it->second;
        return true;
    }

  private:
    void drop_removed_locked() {
        auto &tree = lkmfs::kernel::Kernel::get().proc();
        std::erase_if(entries_, [&](const auto &item) { return tree.find(item.first) == nullptr; });
    }

    std::mutex mutex_;
    std::unordered_map<std::uint64_t, SeqEntry> entries_;
};

SeqEntries &seq_entries() {
    static SeqEntries entries;
    return entries;
}

int proc_seq_open(struct inode *inode, struct file *file) {
    SeqEntry e;
    if (!seq_entries().find(inode->i_ino, &e))
        return -ENOENT;
    if (e.state_size != 0)
        return seq_open_private(file, e.seq_ops, static_cast<int>(e.state_size));
    return seq_open(file, e.seq_ops);
}

int proc_single_open(struct inode *inode, struct file *file) {
    SeqEntry e;
    if (!seq_entries().find(inode->i_ino, &e))
        return -ENOENT;
    return single_open(file, e.single_show, pde_data(inode));
}

constexpr struct proc_ops seq_ops_with(int (*open)(struct inode *, struct file *),
                                       int (*release)(struct inode *, struct file *)) {
    struct proc_ops ops {};
    ops.proc_open = open;
    ops.proc_read = seq_read;
    ops.proc_lseek = seq_lseek;
    ops.proc_release = release;
    return ops;
}

// Not PROC_ENTRY_PERMANENT: they call into the module's seq_operations.
const struct proc_ops proc_seq_ops = seq_ops_with(proc_seq_open, seq_release);
const struct proc_ops proc_seq_private_ops = seq_ops_with(proc_seq_open, seq_release_private);
const struct proc_ops proc_single_ops = seq_ops_with(proc_single_open, single_release);

} // namespace

extern "C" struct proc_dir_entry *proc_create_seq_private(const char *name, umode_t mode,
                                                          struct proc_dir_entry *parent,
                                                          const struct seq_operations *ops,
                                                          unsigned int state_size, void *data) {
    const struct proc_ops *proc_ops = state_size != 0 ? &proc_seq_private_ops : &proc_seq_ops;
    return seq_entries().create(name, mode, parent, proc_ops, data,
                                SeqEntry{ops, state_size, nullptr});
}

extern "C" struct proc_dir_entry *proc_create_single_data(const char *name, umode_t mode,
                                                          struct proc_dir_entry *parent,
                                                          int (*show)(struct seq_file *, void *),
                                                          void *data) {
    return seq_entries().create(name, mode, parent, &proc_single_ops, data,
                                SeqEntry{nullptr, 0, show});
}
