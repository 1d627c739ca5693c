/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkmfs::handlers: a /proc entry's handlers as lambdas (or any callables), turned into the
 * struct proc_ops the core calls.
 *
 *     lkmfs::handlers{
 *             .read = [this](lkmfs::file_ref, lkmfs::user_out to, loff_t &pos) {...},
 *             .write = [this](lkmfs::file_ref f, lkmfs::user_in from, loff_t &pos) {...},
 *             .lseek = default_llseek,
 *     }
 *
 * The members, in struct proc_ops's order (C++20 designated initialisers must keep it).
 * Each accepts the C++ signature (first line) or struct proc_ops's own (second line), so
 * that C helpers such as default_llseek, seq_read or nonseekable_open can be named as is:
 *
 *   .open     int(file_ref)
 *             int(struct inode *, struct file *)
 *   .read     ssize_t(file_ref, user_out, loff_t &pos)
 *             ssize_t(struct file *, char __user *, size_t, loff_t *)
 *   .write    ssize_t(file_ref, user_in, loff_t &pos)
 *             ssize_t(struct file *, const char __user *, size_t, loff_t *)
 *   .lseek    loff_t(file_ref, loff_t offset, int whence)
 *             loff_t(struct file *, loff_t, int)
 *   .release  int(file_ref) or void(file_ref)
 *             int(struct inode *, struct file *)
 *   .ioctl    long(file_ref, unsigned int cmd, unsigned long arg)
 *             long(struct file *, unsigned int, unsigned long)
 *
 * A member left out stays NULL in struct proc_ops, with the core's usual result (EIO for a
 * missing read, ...). No std::function: for each handlers<...> type the compiler generates
 * one static struct proc_ops whose entries are plain functions ("trampolines"); each finds
 * the handlers object through pde_data(), where lkmfs::proc_file put it, and calls it. So
 * pde_data() of such an entry is the layer's, even for a C-style handler: what a handler
 * needs, it captures. Handlers of one entry may run concurrently (one call per FUSE
 * request): lambdas that share state must lock it, as C handlers do.
 */
#ifndef _LKMFS_HANDLERS_HPP
#define _LKMFS_HANDLERS_HPP

#include <lkmfs/std.hpp>

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <lkmfs/file.hpp>
#include <lkmfs/uaccess.hpp>

namespace lkmfs {

/* The type of a member left out of lkmfs::handlers{...}. */
struct no_handler {};

template <class Open = no_handler, class Read = no_handler, class Write = no_handler,
          class Lseek = no_handler, class Release = no_handler, class Ioctl = no_handler>
struct handlers {
    [[no_unique_address]] Open open{};
    [[no_unique_address]] Read read{};
    [[no_unique_address]] Write write{};
    [[no_unique_address]] Lseek lseek{};
    [[no_unique_address]] Release release{};
    [[no_unique_address]] Ioctl ioctl{};
};

namespace detail {

template <class T>
inline constexpr bool is_handlers = false;
template <class... F>
inline constexpr bool is_handlers<handlers<F...>> = true;

template <class F>
inline constexpr bool present = !std::is_same_v<F, no_handler>;

/* Which of the two signatures each member has: the C++ one is tried first. */
template <class F>
inline constexpr bool open_cxx = std::is_invocable_r_v<int, F &, file_ref>;
template <class F>
inline constexpr bool open_c = std::is_invocable_r_v<int, F &, struct inode *, struct file *>;
template <class F>
inline constexpr bool read_cxx = std::is_invocable_r_v<ssize_t, F &, file_ref, user_out, loff_t &>;
template <class F>
inline constexpr bool read_c =
    std::is_invocable_r_v<ssize_t, F &, struct file *, char __user *, size_t, loff_t *>;
template <class F>
inline constexpr bool write_cxx = std::is_invocable_r_v<ssize_t, F &, file_ref, user_in, loff_t &>;
template <class F>
inline constexpr bool write_c =
    std::is_invocable_r_v<ssize_t, F &, struct file *, const char __user *, size_t, loff_t *>;
template <class F>
inline constexpr bool lseek_cxx = std::is_invocable_r_v<loff_t, F &, file_ref, loff_t, int>;
template <class F>
inline constexpr bool lseek_c = std::is_invocable_r_v<loff_t, F &, struct file *, loff_t, int>;
template <class F>
inline constexpr bool release_cxx =
    std::is_invocable_r_v<int, F &, file_ref> || std::is_invocable_r_v<void, F &, file_ref>;
template <class F>
inline constexpr bool release_c = std::is_invocable_r_v<int, F &, struct inode *, struct file *>;
template <class F>
inline constexpr bool ioctl_cxx =
    std::is_invocable_r_v<long, F &, file_ref, unsigned int, unsigned long>;
template <class F>
inline constexpr bool ioctl_c =
    std::is_invocable_r_v<long, F &, struct file *, unsigned int, unsigned long>;

template <class H>
struct proc_thunks;

template <class Open, class Read, class Write, class Lseek, class Release, class Ioctl>
struct proc_thunks<handlers<Open, Read, Write, Lseek, Release, Ioctl>> {
    using H = handlers<Open, Read, Write, Lseek, Release, Ioctl>;

    static_assert(!present<Open> || open_cxx<Open> || open_c<Open>,
                  "lkmfs::handlers: .open must be callable as int(lkmfs::file_ref) or "
                  "int(struct inode *, struct file *)");
    static_assert(!present<Read> || read_cxx<Read> || read_c<Read>,
                  "lkmfs::handlers: .read must be callable as ssize_t(lkmfs::file_ref, "
                  "lkmfs::user_out, loff_t &) or ssize_t(struct file *, char __user *, size_t, "
                  "loff_t *)");
    static_assert(!present<Write> || write_cxx<Write> || write_c<Write>,
                  "lkmfs::handlers: .write must be callable as ssize_t(lkmfs::file_ref, "
                  "lkmfs::user_in, loff_t &) or ssize_t(struct file *, const char __user *, "
                  "size_t, loff_t *)");
    static_assert(!present<Lseek> || lseek_cxx<Lseek> || lseek_c<Lseek>,
                  "lkmfs::handlers: .lseek must be callable as loff_t(lkmfs::file_ref, loff_t, "
                  "int) or loff_t(struct file *, loff_t, int)");
    static_assert(!present<Release> || release_cxx<Release> || release_c<Release>,
                  "lkmfs::handlers: .release must be callable as int(lkmfs::file_ref), "
                  "void(lkmfs::file_ref) or int(struct inode *, struct file *)");
    static_assert(!present<Ioctl> || ioctl_cxx<Ioctl> || ioctl_c<Ioctl>,
                  "lkmfs::handlers: .ioctl must be callable as long(lkmfs::file_ref, unsigned "
                  "int, unsigned long) or long(struct file *, unsigned int, unsigned long)");

    /* The handlers object lkmfs::proc_file gave proc_create_data() as the entry's data. */
    static H &self(const struct inode *inode) { return *static_cast<H *>(pde_data(inode)); }

    /* Each trampoline is only placed in ops when its member is present. */
    static int open(struct inode *inode, struct file *file) {
        Open &f = self(inode).open;
        if constexpr (open_cxx<Open>)
            return f(file_ref(*file));
        else if constexpr (open_c<Open>)
            return f(inode, file);
        else
            return 0;
    }
    static ssize_t read(struct file *file, char __user *buf, size_t count, loff_t *ppos) {
        Read &f = self(file_inode(file)).read;
        if constexpr (read_cxx<Read>)
            return f(file_ref(*file), user_out(buf, count), *ppos);
        else if constexpr (read_c<Read>)
            return f(file, buf, count, ppos);
        else
            return -EIO;
    }
    static ssize_t write(struct file *file, const char __user *buf, size_t count, loff_t *ppos) {
        Write &f = self(file_inode(file)).write;
        if constexpr (write_cxx<Write>)
            return f(file_ref(*file), user_in(buf, count), *ppos);
        else if constexpr (write_c<Write>)
            return f(file, buf, count, ppos);
        else
            return -EIO;
    }
    static loff_t lseek(struct file *file, loff_t offset, int whence) {
        Lseek &f = self(file_inode(file)).lseek;
        if constexpr (lseek_cxx<Lseek>)
            return f(file_ref(*file), offset, whence);
        else if constexpr (lseek_c<Lseek>)
            return f(file, offset, whence);
        else
            return -ESPIPE;
    }
    static int release(struct inode *inode, struct file *file) {
        Release &f = self(inode).release;
        if constexpr (std::is_invocable_r_v<int, Release &, file_ref>) {
            return f(file_ref(*file));
        } else if constexpr (release_cxx<Release>) {
            f(file_ref(*file));
            return 0;
        } else if constexpr (release_c<Release>) {
            return f(inode, file);
        } else {
            return 0;
        }
    }
    static long ioctl(struct file *file, unsigned int cmd, unsigned long arg) {
        Ioctl &f = self(file_inode(file)).ioctl;
        if constexpr (ioctl_cxx<Ioctl>)
            return f(file_ref(*file), cmd, arg);
        else if constexpr (ioctl_c<Ioctl>)
            return f(file, cmd, arg);
        else
            return -ENOTTY;
    }

    static constexpr struct proc_ops ops = {
        .proc_flags = 0,
        .proc_open = present<Open> ? &open : nullptr,
        .proc_read = present<Read> ? &read : nullptr,
        .proc_read_iter = nullptr,
        .proc_write = present<Write> ? &write : nullptr,
        .proc_lseek = present<Lseek> ? &lseek : nullptr,
        .proc_release = present<Release> ? &release : nullptr,
        .proc_poll = nullptr,
        .proc_ioctl = present<Ioctl> ? &ioctl : nullptr,
        .proc_compat_ioctl = nullptr,
        .proc_mmap = nullptr,
        .proc_get_unmapped_area = nullptr,
    };
};

} // namespace detail
} // namespace lkmfs

#endif
