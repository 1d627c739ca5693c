// The C API of <linux/proc_fs.h>, with Linux 6.1's default modes.
#include "kernel/kernel.h"
#include "proc_tree.h"

#include <linux/proc_fs.h>
#include <linux/stat.h>

namespace {
lkmfs::procfs::ProcTree &tree() {
    return lkmfs::kernel::Kernel::get().proc();
}
} // namespace

extern "C" struct proc_dir_entry *proc_create_data(const char *name, umode_t mode,
                                                   struct proc_dir_entry *parent,
                                                   const struct proc_ops *proc_ops, void *data) {
    if ((mode & S_IFMT) == 0)
        mode |= S_IFREG;
    if ((mode & S_IALLUGO) == 0)
        mode |= S_IRUGO;
    if (!S_ISREG(mode)) {
        printk(KERN_WARNING "WARNING: at fs/proc/generic.c proc_create_reg: '%s' is not a "
                            "regular file mode (0%o)\n",
               name != nullptr ? name : "(null)", mode);
        return nullptr;
    }
    return tree().create(name, mode, parent, proc_ops, data, nullptr);
}

extern "C" struct proc_dir_entry *proc_create(const char *name, umode_t mode,
                                              struct proc_dir_entry *parent,
                                              const struct proc_ops *proc_ops) {
    return proc_create_data(name, mode, parent, proc_ops, nullptr);
}

extern "C" struct proc_dir_entry *proc_mkdir_data(const char *name, umode_t mode,
                                                  struct proc_dir_entry *parent, void *data) {
    if ((mode & S_IALLUGO) == 0)
        mode |= S_IRUGO | S_IXUGO;
    return tree().create(name, static_cast<umode_t>(S_IFDIR | (mode & S_IALLUGO)), parent, nullptr,
                         data, nullptr);
}

extern "C" struct proc_dir_entry *proc_mkdir_mode(const char *name, umode_t mode,
                                                  struct proc_dir_entry *parent) {
    return proc_mkdir_data(name, mode, parent, nullptr);
}

extern "C" struct proc_dir_entry *proc_mkdir(const char *name, struct proc_dir_entry *parent) {
    return proc_mkdir_data(name, 0, parent, nullptr);
}

extern "C" struct proc_dir_entry *proc_symlink(const char *name, struct proc_dir_entry *parent,
                                               const char *dest) {
    if (dest == nullptr)
        return nullptr;
    return tree().create(name, S_IFLNK | S_IRUGO | S_IWUGO | S_IXUGO, parent, nullptr, nullptr,
                         dest);
}

extern "C" void proc_set_size(struct proc_dir_entry *de, loff_t size) {
    tree().set_size(de, size);
}

extern "C" void proc_set_user(struct proc_dir_entry *de, kuid_t uid, kgid_t gid) {
    tree().set_user(de, uid.val, gid.val);
}

extern "C" void remove_proc_entry(const char *name, struct proc_dir_entry *parent) {
    tree().remove(name, parent);
}

extern "C" int remove_proc_subtree(const char *name, struct proc_dir_entry *parent) {
    return tree().remove_subtree(name, parent);
}

extern "C" void proc_remove(struct proc_dir_entry *de) {
    tree().remove_entry(de);
}

extern "C" void *pde_data(const struct inode *inode) {
    return inode->i_private;
}

extern "C" void *proc_get_parent_data(const struct inode *inode) {
    auto de = lkmfs::kernel::Kernel::get().proc().find(inode->i_ino);
    return de != nullptr && de->parent != nullptr ? de->parent->data : nullptr;
}
