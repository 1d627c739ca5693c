/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc entries, as <linux/proc_fs.h> in Linux 6.1. The entries appear under the lkmfs
 * mount point instead of /proc; a NULL parent means the mount root.
 */
#ifndef _LKMFS_LINUX_PROC_FS_H
#define _LKMFS_LINUX_PROC_FS_H

#include <linux/types.h>
#include <linux/fs.h>
#include <lkmfs/kapi.h>

struct proc_dir_entry;
struct poll_table_struct;
struct vm_area_struct;
struct iov_iter;
struct seq_file;
struct seq_operations;

/* proc_flags */
#define PROC_ENTRY_PERMANENT 1U

/* Fields in Linux 6.1's order, so designated initialisers work from C++ too. */
struct proc_ops {
    unsigned int proc_flags;
    int (*proc_open)(struct inode *, struct file *);
    ssize_t (*proc_read)(struct file *, char __user *, size_t, loff_t *);
    ssize_t (*proc_read_iter)(struct kiocb *, struct iov_iter *);
    ssize_t (*proc_write)(struct file *, const char __user *, size_t, loff_t *);
    loff_t (*proc_lseek)(struct file *, loff_t, int);
    int (*proc_release)(struct inode *, struct file *);
    __poll_t (*proc_poll)(struct file *, struct poll_table_struct *);
    long (*proc_ioctl)(struct file *, unsigned int, unsigned long);
    long (*proc_compat_ioctl)(struct file *, unsigned int, unsigned long);
    int (*proc_mmap)(struct file *, struct vm_area_struct *);
    unsigned long (*proc_get_unmapped_area)(struct file *, unsigned long, unsigned long,
                                            unsigned long, unsigned long);
};

KAPI_BEGIN
struct proc_dir_entry *proc_create(const char *name, umode_t mode, struct proc_dir_entry *parent,
                                   const struct proc_ops *proc_ops);
struct proc_dir_entry *proc_create_data(const char *name, umode_t mode,
                                        struct proc_dir_entry *parent,
                                        const struct proc_ops *proc_ops, void *data);
struct proc_dir_entry *proc_mkdir(const char *name, struct proc_dir_entry *parent);
struct proc_dir_entry *proc_mkdir_data(const char *name, umode_t mode,
                                       struct proc_dir_entry *parent, void *data);
struct proc_dir_entry *proc_mkdir_mode(const char *name, umode_t mode,
                                       struct proc_dir_entry *parent);
struct proc_dir_entry *proc_symlink(const char *name, struct proc_dir_entry *parent,
                                    const char *dest);
void proc_set_size(struct proc_dir_entry *de, loff_t size);
void proc_set_user(struct proc_dir_entry *de, kuid_t uid, kgid_t gid);
void remove_proc_entry(const char *name, struct proc_dir_entry *parent);
int remove_proc_subtree(const char *name, struct proc_dir_entry *parent);
void proc_remove(struct proc_dir_entry *de);
void *pde_data(const struct inode *inode);
void *proc_get_parent_data(const struct inode *inode);

/*
 * Entries served by a seq_file (fsd/procfs/proc_seq.cpp): the entry opens the seq_file
 * itself, with `data` as pde_data() (for _single: as the seq_file's private).
 */
struct proc_dir_entry *proc_create_seq_private(const char *name, umode_t mode,
                                               struct proc_dir_entry *parent,
                                               const struct seq_operations *ops,
                                               unsigned int state_size, void *data);
struct proc_dir_entry *proc_create_single_data(const char *name, umode_t mode,
                                               struct proc_dir_entry *parent,
                                               int (*show)(struct seq_file *, void *), void *data);
KAPI_END

#define proc_create_seq_data(name, mode, parent, ops, data)                                        \
    proc_create_seq_private(name, mode, parent, ops, 0, data)
#define proc_create_seq(name, mode, parent, ops)                                                   \
    proc_create_seq_private(name, mode, parent, ops, 0, NULL)
#define proc_create_single(name, mode, parent, show)                                               \
    proc_create_single_data(name, mode, parent, show, NULL)

/* The pre-5.17 spelling, still common in tutorials. */
#define PDE_DATA(inode) pde_data(inode)

#endif
