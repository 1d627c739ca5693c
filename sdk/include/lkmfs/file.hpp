/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkmfs::file_ref: the open file a C++ handler is called for, a view of its struct file.
 *
 * It answers the questions handlers ask of a struct file (opened with O_APPEND? for
 * writing? by whom?) and leaves private_data to the module, as in C: the layer finds its
 * handlers through the entry's pde_data(), never through private_data.
 */
#ifndef _LKMFS_FILE_HPP
#define _LKMFS_FILE_HPP

#include <lkmfs/std.hpp>

#include <linux/types.h>
#include <linux/fs.h>

namespace lkmfs {

class file_ref {
  public:
    explicit file_ref(struct file &file) noexcept : file_(&file) {}

    /* The struct file itself, for the C API (seq_read, nonseekable_open, ...). */
    struct file *get() const noexcept {
        return file_;
    }
    struct inode *inode() const noexcept {
        return file_inode(file_);
    }

    /* open(2) flags, as f_flags (changes by fcntl(F_SETFL) show from the next call). */
    unsigned int flags() const noexcept { return file_->f_flags; }
    bool append() const noexcept { return (file_->f_flags & O_APPEND) != 0; }
    bool nonblocking() const noexcept { return (file_->f_flags & O_NONBLOCK) != 0; }
    /* Whether the file was opened for reading, for writing (f_mode). */
    bool readable() const noexcept { return (file_->f_mode & FMODE_READ) != 0; }
    bool writable() const noexcept { return (file_->f_mode & FMODE_WRITE) != 0; }
    /* The opener's credentials. */
    const struct cred *cred() const noexcept { return file_->f_cred; }

    /* The module's per-open pointer (struct file's private_data). */
    template <class T>
    T *private_data() const noexcept {
        return static_cast<T *>(file_->private_data);
    }
    void set_private_data(void *data) const noexcept { file_->private_data = data; }

  private:
    struct file *file_;
};

} // namespace lkmfs

#endif
