/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkmfs::result<T>: a value or a negative errno, for the C++ layer's factories.
 *
 * Modules are built without exceptions, and the kernel reports failure as -errno; a
 * factory such as lkmfs::proc_file::create() therefore returns either the object or the
 * errno that init should return:
 *
 *     auto file = lkmfs::proc_file::create("name", 0644, nullptr, handlers);
 *     if (!file)
 *             return file.error();            // e.g. -ENOMEM
 *     entry = std::move(*file);
 *
 * T must be default-constructible and movable (the layer's owning types are: their
 * default state owns nothing). std::optional is avoided on purpose: its value() may call
 * into the C++ runtime, which a module cannot link against.
 */
#ifndef _LKMFS_RESULT_HPP
#define _LKMFS_RESULT_HPP

#include <lkmfs/std.hpp>

#include <linux/errno.h>

namespace lkmfs {

/* A failure: a negative errno such as -ENOMEM (a positive one is negated). */
struct failure {
    int value;
};

template <class T>
class [[nodiscard]] result {
    static_assert(std::is_default_constructible_v<T> && std::is_move_constructible_v<T>,
                  "lkmfs::result<T>: T must be default-constructible and movable");

  public:
    result(T value) : value_(std::move(value)) {}
    /* failure{0} would read as success without a value: it is taken as -EINVAL instead. */
    result(failure f) noexcept : error_(f.value < 0 ? f.value : f.value > 0 ? -f.value : -EINVAL) {}

    bool ok() const noexcept { return error_ == 0; }
    explicit operator bool() const noexcept { return ok(); }
    /* The negative errno of a failure; 0 for a value. */
    int error() const noexcept { return error_; }

    /* The value; only meaningful when ok(). */
    T &operator*() noexcept { return value_; }
    const T &operator*() const noexcept { return value_; }
    T *operator->() noexcept { return &value_; }
    const T *operator->() const noexcept { return &value_; }

  private:
    T value_{};
    int error_ = 0;
};

} // namespace lkmfs

#endif
