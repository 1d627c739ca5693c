/* SPDX-License-Identifier: GPL-2.0 */
/*
 * I/O iterators, as <linux/uio.h>: what a `proc_read_iter` handler (and seq_read_iter)
 * copies its data into. The simulated procfs hands a handler one user buffer, an
 * ITER_UBUF iterator, as Linux 6.1 does for a plain read(2). copy_to_iter() copies what
 * fits, checks the destination as copy_to_user() does, and advances the iterator; read the
 * room left with iov_iter_count(), never from the fields.
 */
#ifndef _LKMFS_LINUX_UIO_H
#define _LKMFS_LINUX_UIO_H

/* struct iovec from the C library (the UAPI header would define it a second time). */
#include <sys/uio.h>
#include <linux/types.h>
#include <linux/compiler.h>
#include <lkmfs/kapi.h>

#ifndef UIO_FASTIOV
#define UIO_FASTIOV 8
#endif
#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024
#endif

enum iter_type {
    ITER_IOVEC,
    ITER_KVEC,
    ITER_BVEC,
    ITER_PIPE,
    ITER_XARRAY,
    ITER_DISCARD,
    ITER_UBUF,
};

#define ITER_SOURCE 1 /* == WRITE */
#define ITER_DEST 0   /* == READ */

struct iov_iter {
    u8 iter_type;
    bool nofault;
    bool data_source;
    bool user_backed;
    size_t iov_offset;
    size_t count;
    void __user *ubuf;
};

static inline size_t iov_iter_count(const struct iov_iter *i) {
    return i->count;
}

static inline enum iter_type iov_iter_type(const struct iov_iter *i) {
    return (enum iter_type)i->iter_type;
}

static inline bool iter_is_ubuf(const struct iov_iter *i) {
    return iov_iter_type(i) == ITER_UBUF;
}

static inline bool user_backed_iter(const struct iov_iter *i) {
    return i->user_backed;
}

static inline void iov_iter_truncate(struct iov_iter *i, u64 count) {
    if (i->count > count)
        i->count = count;
}

KAPI_BEGIN
size_t _copy_to_iter(const void *addr, size_t bytes, struct iov_iter *i);
size_t _copy_from_iter(void *addr, size_t bytes, struct iov_iter *i);
size_t iov_iter_zero(size_t bytes, struct iov_iter *i);
void iov_iter_advance(struct iov_iter *i, size_t bytes);
void iov_iter_revert(struct iov_iter *i, size_t bytes);
void iov_iter_ubuf(struct iov_iter *i, unsigned int direction, void __user *buf, size_t count);
KAPI_END

static __always_inline __must_check size_t copy_to_iter(const void *addr, size_t bytes,
                                                        struct iov_iter *i) {
    return _copy_to_iter(addr, bytes, i);
}

static __always_inline __must_check size_t copy_from_iter(void *addr, size_t bytes,
                                                          struct iov_iter *i) {
    return _copy_from_iter(addr, bytes, i);
}

#endif
