/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User copies over std::span, on top of <linux/uaccess.h> and <linux/fs.h>.
 *
 * lkmfs::user_out is the caller's buffer a read handler fills (`char __user *` plus its
 * size); lkmfs::user_in is the data a write handler receives. Both know their size, so a
 * copy never reaches past the request even by mistake, and both report as a read or write
 * handler returns: the number of bytes copied, or -EFAULT. Underneath are copy_to_user()
 * and copy_from_user(), which return the number of bytes NOT copied (the core checks every
 * range against the request's memory, as documented for them).
 *
 * read_from_buffer()/write_to_buffer() are simple_read_from_buffer() and
 * simple_write_to_buffer() over spans: the usual *ppos bookkeeping for a file whose content
 * is one kernel buffer.
 */
#ifndef _LKMFS_UACCESS_HPP
#define _LKMFS_UACCESS_HPP

#include <lkmfs/std.hpp>

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

namespace lkmfs {

namespace detail {
/* Views stay inside themselves: an offset or length past the end is clamped. */
constexpr std::size_t clamp_count(std::size_t size, std::size_t offset, std::size_t count) {
    if (offset >= size)
        return 0;
    return count < size - offset ? count : size - offset;
}
} // namespace detail

/* User memory a handler writes into: the buffer of the read being served. */
class user_out {
  public:
    constexpr user_out() noexcept = default;
    constexpr user_out(void __user *data, std::size_t size) noexcept
        : data_(static_cast<char __user *>(data)), size_(size) {}

    char __user *data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    /* Part of the buffer, as std::span's; out-of-range offsets and counts are clamped. */
    user_out first(std::size_t count) const noexcept { return subspan(0, count); }
    user_out subspan(std::size_t offset, std::size_t count = SIZE_MAX) const noexcept {
        std::size_t n = detail::clamp_count(size_, offset, count);
        return n == 0 ? user_out(data_, 0) : user_out(data_ + offset, n);
    }

    /*
     * Copies all of `from` to the start of the buffer: returns from.size(), or -EFAULT if
     * any of it could not be copied (what could be may have been, as with copy_to_user).
     * A source larger than the buffer copies nothing and fails with -EFAULT.
     */
    ssize_t copy_out(std::span<const std::byte> from) const noexcept {
        if (from.size() > size_)
            return -EFAULT;
        if (copy_to_user(data_, from.data(), from.size()) != 0)
            return -EFAULT;
        return static_cast<ssize_t>(from.size());
    }
    ssize_t copy_out(std::span<const char> from) const noexcept {
        return copy_out(std::as_bytes(from));
    }

    /* Zeroes the whole buffer: its size, or -EFAULT (clear_user underneath). */
    ssize_t clear() const noexcept {
        if (clear_user(data_, size_) != 0)
            return -EFAULT;
        return static_cast<ssize_t>(size_);
    }

  private:
    char __user *data_ = nullptr;
    std::size_t size_ = 0;
};

/* User memory a handler reads from: the data of the write being served (read-only). */
class user_in {
  public:
    constexpr user_in() noexcept = default;
    constexpr user_in(const void __user *data, std::size_t size) noexcept
        : data_(static_cast<const char __user *>(data)), size_(size) {}

    const char __user *data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    user_in first(std::size_t count) const noexcept { return subspan(0, count); }
    user_in subspan(std::size_t offset, std::size_t count = SIZE_MAX) const noexcept {
        std::size_t n = detail::clamp_count(size_, offset, count);
        return n == 0 ? user_in(data_, 0) : user_in(data_ + offset, n);
    }

    /*
     * Fills all of `to` from the start of the data: returns to.size(), or -EFAULT if any
     * of it could not be copied; the part not copied is zeroed, as copy_from_user does.
     * A destination larger than the data copies nothing (zeroes `to`) and fails.
     */
    ssize_t copy_in(std::span<std::byte> to) const noexcept {
        if (to.size() > size_) {
            for (std::byte &b : to)
                b = std::byte{0};
            return -EFAULT;
        }
        if (copy_from_user(to.data(), data_, to.size()) != 0)
            return -EFAULT;
        return static_cast<ssize_t>(to.size());
    }
    ssize_t copy_in(std::span<char> to) const noexcept {
        return copy_in(std::as_writable_bytes(to));
    }

  private:
    const char __user *data_ = nullptr;
    std::size_t size_ = 0;
};

/*
 * simple_read_from_buffer() over a span: copies from[pos...] to the start of `to`,
 * advances pos, returns the bytes copied; 0 at or past the end, -EINVAL for a negative
 * pos, -EFAULT if nothing could be copied.
 */
inline ssize_t read_from_buffer(user_out to, loff_t &pos, std::span<const std::byte> from) {
    return simple_read_from_buffer(to.data(), to.size(), &pos, from.data(), from.size());
}
inline ssize_t read_from_buffer(user_out to, loff_t &pos, std::span<const char> from) {
    return read_from_buffer(to, pos, std::as_bytes(from));
}

/*
 * simple_write_to_buffer() over a span: copies `from` to to[pos...] (as much as fits),
 * advances pos, returns the bytes copied; 0 if pos is at or past the end, -EINVAL for a
 * negative pos, -EFAULT if nothing could be copied.
 */
inline ssize_t write_to_buffer(std::span<std::byte> to, loff_t &pos, user_in from) {
    return simple_write_to_buffer(to.data(), to.size(), &pos, from.data(), from.size());
}
inline ssize_t write_to_buffer(std::span<char> to, loff_t &pos, user_in from) {
    return write_to_buffer(std::as_writable_bytes(to), pos, from);
}

} // namespace lkmfs

#endif
