/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkmfs::mutex and lkmfs::mutex_guard: a struct mutex (<linux/mutex.h>) with a scoped lock.
 *
 *     static lkmfs::mutex lock;               // statically initialised, as DEFINE_MUTEX
 *     ...
 *     lkmfs::mutex_guard guard(lock);         // mutex_lock() here, mutex_unlock() at '}'
 *
 * The constructor is constexpr, so a global mutex needs no code at load time, and the
 * type is trivially destructible (as in Linux, a mutex needs no teardown). lock(),
 * try_lock() and unlock() make it usable with std::scoped_lock-style code too, and get()
 * hands the struct mutex to the C API (lockdep_assert_held(lock.get())).
 */
#ifndef _LKMFS_MUTEX_HPP
#define _LKMFS_MUTEX_HPP

#include <lkmfs/std.hpp>

#include <linux/types.h>
#include <linux/mutex.h>

namespace lkmfs {

class mutex {
  public:
    /* `name` is the lock's name in lockdep reports; a static lock's class is its address. */
    constexpr explicit mutex(const char *name = "lkmfs::mutex") noexcept
        : lock_ __MUTEX_INITIALIZER(lkmfs_mutex) {
        lock_.dep_map.name = name;
    }
    mutex(const mutex &) = delete;
    mutex &operator=(const mutex &) = delete;

    void lock() noexcept { mutex_lock(&lock_); }
    /* 0, or -EINTR when the caller is signalled while waiting (return it as -ERESTARTSYS). */
    [[nodiscard]] int lock_interruptible() noexcept { return mutex_lock_interruptible(&lock_); }
    [[nodiscard]] bool try_lock() noexcept { return mutex_trylock(&lock_) != 0; }
    void unlock() noexcept { mutex_unlock(&lock_); }
    bool is_locked() noexcept { return mutex_is_locked(&lock_); }

    struct ::mutex *get() noexcept {
        return &lock_;
    }

  private:
    struct ::mutex lock_;
};

/* Holds a lkmfs::mutex for its scope. */
class [[nodiscard]] mutex_guard {
  public:
    explicit mutex_guard(lkmfs::mutex &lock) noexcept : lock_(lock) { lock_.lock(); }
    ~mutex_guard() { lock_.unlock(); }
    mutex_guard(const mutex_guard &) = delete;
    mutex_guard &operator=(const mutex_guard &) = delete;

  private:
    lkmfs::mutex &lock_;
};

} // namespace lkmfs

#endif
