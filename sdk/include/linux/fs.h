/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct file and struct inode, as <linux/fs.h>: the parts a /proc handler sees.
 * Adds to the system's UAPI <linux/fs.h>.
 */
#ifndef _LKMFS_LINUX_FS_H
#define _LKMFS_LINUX_FS_H

#include_next <linux/fs.h>
#include <fcntl.h>
#include <linux/types.h>
#include <linux/cred.h>
#include <linux/stat.h>
#include <linux/kernel.h>
#include <linux/uio.h>
#include <lkmfs/kapi.h>

/* f_mode bits, values as in Linux 6.1. */
#define FMODE_READ ((fmode_t)0x1)
#define FMODE_WRITE ((fmode_t)0x2)
#define FMODE_LSEEK ((fmode_t)0x4)
#define FMODE_PREAD ((fmode_t)0x8)
#define FMODE_PWRITE ((fmode_t)0x10)
#define FMODE_EXEC ((fmode_t)0x20)
#define FMODE_ATOMIC_POS ((fmode_t)0x8000)
#define FMODE_STREAM ((fmode_t)0x200000)

#define MAX_LFS_FILESIZE ((loff_t)LLONG_MAX)

struct qstr {
    const unsigned char *name;
    unsigned int len;
};

struct inode;
struct dentry {
    struct qstr d_name;
    struct inode *d_inode;
    struct dentry *d_parent;
};

struct path {
    void *mnt;
    struct dentry *dentry;
};

struct timespec64_compat {
    long long tv_sec;
    long tv_nsec;
};

struct inode {
    umode_t i_mode;
    kuid_t i_uid;
    kgid_t i_gid;
    unsigned int i_flags;
    unsigned long i_ino;
    unsigned int i_nlink;
    loff_t i_size;
    struct timespec64_compat i_atime, i_mtime, i_ctime;
    void *i_private; /* the proc entry's data: read it with pde_data() */
};

struct file {
    struct path f_path;
    struct inode *f_inode;
    const void *f_op;     /* the entry's struct proc_ops */
    unsigned int f_flags; /* open(2) flags: O_NONBLOCK, O_APPEND, ... */
    fmode_t f_mode;
    loff_t f_pos;
    const struct cred *f_cred;
    u64 f_version;
    void *private_data;
};

static inline struct inode *file_inode(const struct file *f) {
    return f->f_inode;
}
static inline loff_t i_size_read(const struct inode *inode) {
    return inode->i_size;
}
static inline unsigned int iminor(const struct inode *inode) {
    (void)inode;
    return 0;
}
static inline unsigned int imajor(const struct inode *inode) {
    (void)inode;
    return 0;
}

struct kiocb {
    struct file *ki_filp;
    loff_t ki_pos;
    int ki_flags;
};

KAPI_BEGIN
int nonseekable_open(struct inode *inode, struct file *filp);
int stream_open(struct inode *inode, struct file *filp);
loff_t no_llseek(struct file *file, loff_t offset, int whence);
loff_t noop_llseek(struct file *file, loff_t offset, int whence);
loff_t default_llseek(struct file *file, loff_t offset, int whence);
loff_t generic_file_llseek(struct file *file, loff_t offset, int whence);
loff_t fixed_size_llseek(struct file *file, loff_t offset, int whence, loff_t size);
loff_t generic_file_llseek_size(struct file *file, loff_t offset, int whence, loff_t maxsize,
                                loff_t eof);
ssize_t simple_read_from_buffer(void __user *to, size_t count, loff_t *ppos, const void *from,
                                size_t available);
ssize_t simple_write_to_buffer(void *to, size_t available, loff_t *ppos, const void __user *from,
                               size_t count);
KAPI_END

#endif
