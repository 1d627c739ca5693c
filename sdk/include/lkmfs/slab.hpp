/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkmfs::karray<T>: an owned, fixed-size array from kmalloc_array(), freed with kfree().
 *
 * The memory is kmalloc's, so it is accounted to the module as any kmalloc is (a module
 * that unloads with it still allocated gets the leak report), and no operator new is
 * needed: operator new is C++ runtime, not kernel API. T must be trivially copyable and
 * destructible, as anything kmalloc'd is: no constructor runs on the memory (pass
 * __GFP_ZERO for zeroes).
 *
 *     auto buf = lkmfs::karray<char>::create(4096);
 *     if (!buf)
 *             return buf.error();             // -ENOMEM
 *     std::span<char> bytes = buf->span();
 *
 * The destructor frees the memory; free it in the exit function (reset()) to unload
 * without a leak report: a global's destructor runs only when the module is unmapped,
 * after that report.
 */
#ifndef _LKMFS_SLAB_HPP
#define _LKMFS_SLAB_HPP

#include <lkmfs/std.hpp>

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <lkmfs/result.hpp>

namespace lkmfs {

template <class T>
class karray {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                  "lkmfs::karray<T>: kmalloc'd memory holds trivially copyable objects only");
    static_assert(alignof(T) <= 16, "kmalloc aligns to 16 bytes");

  public:
    constexpr karray() noexcept = default;
    karray(const karray &) = delete;
    karray &operator=(const karray &) = delete;
    karray(karray &&other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    karray &operator=(karray &&other) noexcept {
        if (this != &other) {
            reset();
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    ~karray() { reset(); }

    /* `count` elements; -ENOMEM if kmalloc_array() fails (or count * sizeof(T) overflows). */
    static result<karray> create(std::size_t count, gfp_t flags = GFP_KERNEL) {
        void *data = kmalloc_array(count, sizeof(T), flags);
        if (data == nullptr)
            return failure{-ENOMEM};
        return karray(static_cast<T *>(data), count);
    }

    T *data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    /* Whether it owns memory (a zero-length array owns kmalloc(0)'s ZERO_SIZE_PTR). */
    explicit operator bool() const noexcept { return data_ != nullptr; }
    T &operator[](std::size_t i) const noexcept { return data_[i]; }
    std::span<T> span() const noexcept { return {data_, size_}; }

    void reset() noexcept {
        if (data_ != nullptr)
            kfree(data_);
        data_ = nullptr;
        size_ = 0;
    }

  private:
    karray(T *data, std::size_t size) noexcept : data_(data), size_(size) {}

    T *data_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace lkmfs

#endif
