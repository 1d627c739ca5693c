/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RAII /proc entries, built on proc_create_data(), proc_mkdir_mode() and proc_remove().
 *
 *     static lkmfs::proc_file entry;      // owns nothing yet: no constructor runs at load
 *
 *     static int __init m_init(void)
 *     {
 *             auto file = lkmfs::proc_file::create("name", 0644, nullptr, lkmfs::handlers{...});
 *             if (!file)
 *                     return file.error();    // -ENOMEM: proc_create failed (see the log)
 *             entry = std::move(*file);
 *             return 0;
 *     }
 *
 *     static void __exit m_exit(void)
 *     {
 *             entry.reset();                  // proc_remove(), then the handlers go
 *     }
 *
 * An owner is move-only; reset() (or assigning another owner) removes its entry: it waits
 * for handlers running on it and releases the files still open, as proc_remove() does, and
 * only then destroys the handlers object. proc_file::create() keeps that object (the
 * lambdas and what they captured) in kmalloc'd memory at a fixed address, which is the
 * entry's pde_data(), so moving the owner moves nothing the core points to.
 *
 * Lifetime: a module's globals are destroyed when the daemon unmaps it (dlclose), after
 * its exit function and after the core has removed, with a warning, the entries the module
 * left behind. So the destructor removes the entry only while the module is loading or
 * live (a local owner in init or in a handler); from exit on it leaves everything to the
 * core, which has removed (or will remove) the entry. Call reset() in the exit function:
 * that is the clean unload, with nothing in the log and nothing leaked.
 */
#ifndef _LKMFS_PROC_HPP
#define _LKMFS_PROC_HPP

#include <lkmfs/std.hpp>

#include <linux/types.h>
#include <linux/errno.h>
#ifdef MODULE
#include <linux/module.h> /* THIS_MODULE, for module_is_live() */
#endif
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <lkmfs/file.hpp>
#include <lkmfs/handlers.hpp>
#include <lkmfs/result.hpp>
#include <lkmfs/uaccess.hpp>

namespace lkmfs {

namespace detail {

/*
 * Whether the module is loading or live, i.e. its exit function has not started: only then
 * may a destructor call into the kernel for it (see "Lifetime" above). Code built outside
 * a module (a test linking the core) has no module state and counts as live.
 */
inline bool module_is_live() noexcept {
#ifdef MODULE
    auto state = __atomic_load_n(&THIS_MODULE->state, __ATOMIC_ACQUIRE);
    return state == MODULE_STATE_LIVE || state == MODULE_STATE_COMING;
#else
    return true;
#endif
}

/* What proc_file and proc_dir share: the entry, and the object its handlers use. */
class proc_owner {
  public:
    proc_owner(const proc_owner &) = delete;
    proc_owner &operator=(const proc_owner &) = delete;

    /* The entry, for the C API (a parent for proc_create, proc_set_size, ...). */
    struct proc_dir_entry *get() const noexcept {
        return entry_;
    }
    explicit operator bool() const noexcept { return entry_ != nullptr; }

    /* Removes the entry (if any), then destroys its handlers object. */
    void reset() noexcept {
        if (entry_ != nullptr)
            proc_remove(entry_);
        if (state_ != nullptr)
            destroy_(state_);
        entry_ = nullptr;
        state_ = nullptr;
        destroy_ = nullptr;
    }

  protected:
    constexpr proc_owner() noexcept = default;
    proc_owner(struct proc_dir_entry *entry, void *state, void (*destroy)(void *)) noexcept
        : entry_(entry), state_(state), destroy_(destroy) {}
    proc_owner(proc_owner &&other) noexcept
        : entry_(std::exchange(other.entry_, nullptr)),
          state_(std::exchange(other.state_, nullptr)),
          destroy_(std::exchange(other.destroy_, nullptr)) {}
    proc_owner &operator=(proc_owner &&other) noexcept {
        if (this != &other) {
            reset();
            entry_ = std::exchange(other.entry_, nullptr);
            state_ = std::exchange(other.state_, nullptr);
            destroy_ = std::exchange(other.destroy_, nullptr);
        }
        return *this;
    }
    ~proc_owner() {
        if (module_is_live())
            reset();
    }

  private:
    struct proc_dir_entry *entry_ = nullptr;
    void *state_ = nullptr;             /* kmalloc'd, or NULL */
    void (*destroy_)(void *) = nullptr; /* runs its destructor and kfree()s it */
};

template <class H>
void destroy_handlers(void *state) noexcept {
    static_cast<H *>(state)->~H();
    kfree(state);
}

} // namespace detail

/* An owned /proc file whose handlers are an lkmfs::handlers{...}. */
class proc_file : public detail::proc_owner {
  public:
    constexpr proc_file() noexcept = default;
    proc_file(proc_file &&) noexcept = default;
    proc_file &operator=(proc_file &&) noexcept = default;
    ~proc_file() = default;

    /*
     * Creates `name` (with '/' to reach into existing directories) under `parent` (NULL:
     * the mount root), mode as proc_create's (0 gives 0444). Fails with -ENOMEM when the
     * handlers object cannot be allocated or proc_create_data() refuses (a name that
     * exists, an invalid name: the log says which), as C modules conventionally return.
     */
    template <class H>
    static result<proc_file> create(const char *name, umode_t mode, struct proc_dir_entry *parent,
                                    H handlers) {
        static_assert(detail::is_handlers<H>,
                      "lkmfs::proc_file::create: pass the handlers as lkmfs::handlers{...}");
        static_assert(std::is_nothrow_move_constructible_v<H> && std::is_nothrow_destructible_v<H>,
                      "lkmfs::proc_file::create: what the handlers capture must be movable "
                      "and destructible without exceptions");
        static_assert(alignof(H) <= 16, "kmalloc aligns to 16 bytes");
        void *state = kmalloc(sizeof(H), GFP_KERNEL);
        if (state == nullptr)
            return failure{-ENOMEM};
        H *object = ::new (state) H(std::move(handlers));
        struct proc_dir_entry *entry =
            proc_create_data(name, mode, parent, &detail::proc_thunks<H>::ops, object);
        if (entry == nullptr) {
            detail::destroy_handlers<H>(object);
            return failure{-ENOMEM};
        }
        return proc_file(entry, object, &detail::destroy_handlers<H>);
    }

  private:
    proc_file(struct proc_dir_entry *entry, void *state, void (*destroy)(void *)) noexcept
        : proc_owner(entry, state, destroy) {}
};

/* An owned /proc directory. Removing it removes what is inside too: reset the owners of
 * its files first, or they would be left pointing at removed entries. */
class proc_dir : public detail::proc_owner {
  public:
    constexpr proc_dir() noexcept = default;
    proc_dir(proc_dir &&) noexcept = default;
    proc_dir &operator=(proc_dir &&) noexcept = default;
    ~proc_dir() = default;

    /* proc_mkdir_mode(): mode 0 gives 0555. -ENOMEM if it refuses (see the log). */
    static result<proc_dir> create(const char *name, struct proc_dir_entry *parent = nullptr,
                                   umode_t mode = 0) {
        struct proc_dir_entry *entry = proc_mkdir_mode(name, mode, parent);
        if (entry == nullptr)
            return failure{-ENOMEM};
        return proc_dir(entry);
    }

  private:
    explicit proc_dir(struct proc_dir_entry *entry) noexcept
        : proc_owner(entry, nullptr, nullptr) {}
};

} // namespace lkmfs

#endif
