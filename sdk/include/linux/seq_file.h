/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sequential files, as <linux/seq_file.h> in Linux 6.1: a handler describes its records
 * with start/next/stop/show and the seq_file layer turns them into read(2) results at any
 * file position.
 *
 * The file's position counts bytes; `index` counts records. A read at position 0 starts
 * over; a read where the previous one ended carries on; a read anywhere else replays the
 * records from the first up to that position. The buffer (kmalloc'd, charged to the
 * module) starts at a page and doubles whenever one record does not fit.
 *
 * Entries: `.proc_read = seq_read` or, as Linux 6.1's own entries do,
 * `.proc_read_iter = seq_read_iter`: the same code behind either interface.
 */
#ifndef _LKMFS_LINUX_SEQ_FILE_H
#define _LKMFS_LINUX_SEQ_FILE_H

#include <stdarg.h>
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/fs.h>
#include <lkmfs/kapi.h>

struct seq_operations;

/* Fields in Linux 6.1's order (its `lock`, a struct mutex, is kept by the runtime). */
struct seq_file {
    char *buf;
    size_t size;
    size_t from;
    size_t count;
    size_t pad_until;
    loff_t index;
    loff_t read_pos;
    const struct seq_operations *op;
    int poll_event;
    const struct file *file;
#ifdef __cplusplus
    void *private_; /* `private` is a C++ keyword: C++ code names the field private_ */
#else
    void *private;
#endif
};

struct seq_operations {
    void *(*start)(struct seq_file *m, loff_t *pos);
    void (*stop)(struct seq_file *m, void *v);
    void *(*next)(struct seq_file *m, void *v, loff_t *pos);
    int (*show)(struct seq_file *m, void *v);
};

/* ->show() returns SEQ_SKIP to drop what it printed for this record. */
#define SEQ_SKIP 1

/* ->start() may return it for a header line before the first record. */
#define SEQ_START_TOKEN ((void *)1)

/* Whether the last output did not fit in the buffer (the record is then retried). */
static inline bool seq_has_overflowed(struct seq_file *m) {
    return m->count == m->size;
}

/* Direct access to the free part of the buffer: seq_get_buf, then seq_commit(bytes or -1). */
static inline size_t seq_get_buf(struct seq_file *m, char **bufp) {
    if (m->count < m->size)
        *bufp = m->buf + m->count;
    else
        *bufp = NULL;
    return m->size - m->count;
}

static inline void seq_commit(struct seq_file *m, int num) {
    if (num < 0)
        m->count = m->size;
    else if (m->count + (size_t)num > m->size)
        m->count = m->size;
    else
        m->count += (size_t)num;
}

static inline void seq_setwidth(struct seq_file *m, size_t size) {
    m->pad_until = m->count + size;
}

KAPI_BEGIN
int seq_open(struct file *file, const struct seq_operations *op);
ssize_t seq_read_iter(struct kiocb *iocb, struct iov_iter *iter);
ssize_t seq_read(struct file *file, char __user *buf, size_t size, loff_t *ppos);
loff_t seq_lseek(struct file *file, loff_t offset, int whence);
int seq_release(struct inode *inode, struct file *file);

void *__seq_open_private(struct file *file, const struct seq_operations *ops, int psize);
int seq_open_private(struct file *file, const struct seq_operations *ops, int psize);
int seq_release_private(struct inode *inode, struct file *file);

int single_open(struct file *file, int (*show)(struct seq_file *, void *), void *data);
int single_open_size(struct file *file, int (*show)(struct seq_file *, void *), void *data,
                     size_t size);
int single_release(struct inode *inode, struct file *file);

__printf(2, 0) void seq_vprintf(struct seq_file *m, const char *fmt, va_list args);
__printf(2, 3) void seq_printf(struct seq_file *m, const char *fmt, ...);
void seq_putc(struct seq_file *m, char c);
void seq_puts(struct seq_file *m, const char *s);
int seq_write(struct seq_file *m, const void *data, size_t len);
void seq_pad(struct seq_file *m, char c);
void seq_put_decimal_ull(struct seq_file *m, const char *delimiter, unsigned long long num);
void seq_put_decimal_ll(struct seq_file *m, const char *delimiter, long long num);

struct list_head *seq_list_start(struct list_head *head, loff_t pos);
struct list_head *seq_list_start_head(struct list_head *head, loff_t pos);
struct list_head *seq_list_next(void *v, struct list_head *head, loff_t *ppos);
KAPI_END

/*
 * A read-only /proc entry from NAME_show: defines NAME_open and NAME_proc_ops (include
 * <linux/proc_fs.h> too).
 */
#define DEFINE_PROC_SHOW_ATTRIBUTE(__name)                                                         \
    static int __name##_open(struct inode *inode, struct file *file) {                             \
        return single_open(file, __name##_show, pde_data(inode));                                  \
    }                                                                                              \
                                                                                                   \
    static const struct proc_ops __name##_proc_ops = {                                             \
        .proc_open = __name##_open,                                                                \
        .proc_read = seq_read,                                                                     \
        .proc_lseek = seq_lseek,                                                                   \
        .proc_release = single_release,                                                            \
    }

#endif
