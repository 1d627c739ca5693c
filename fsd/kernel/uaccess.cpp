// User copies (<linux/uaccess.h>): every range is checked against the request's user
// window; what lies outside is reported as not copied and never touched.
#include "exec_context.h"

#include <algorithm>
#include <cstring>

#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

namespace {

using lkmfs::kernel::exec_context;
using lkmfs::kernel::UserWindow;

// How many bytes from `p` on lie inside the window (0 if p is outside it).
std::size_t reachable(const UserWindow &w, const void *p, std::size_t n) {
    auto addr = reinterpret_cast<std::uintptr_t>(p);
    auto start = reinterpret_cast<std::uintptr_t>(w.base);
    if (w.base == nullptr || addr < start || addr >= start + w.size)
        return 0;
    return std::min<std::size_t>(n, start + w.size - addr);
}

} // namespace

extern "C" bool access_ok(const void *addr, unsigned long size) {
    const UserWindow &w = exec_context().user;
    return size == 0 || w.contains(addr, size);
}

extern "C" unsigned long copy_to_user(void *to, const void *from, unsigned long n) {
    const UserWindow &w = exec_context().user;
    if (!w.writable)
        return n;
    std::size_t ok = reachable(w, to, n);
    if (ok != 0)
        std::memmove(to, from, ok);
    return n - ok;
}

extern "C" unsigned long copy_from_user(void *to, const void *from, unsigned long n) {
    std::size_t ok = reachable(exec_context().user, from, n);
    if (ok != 0)
        std::memmove(to, from, ok);
    // As in Linux, the part that could not be copied is zeroed in the destination.
    if (ok < n)
        std::memset(static_cast<char *>(to) + ok, 0, n - ok);
    return n - ok;
}

extern "C" unsigned long clear_user(void *to, unsigned long n) {
    const UserWindow &w = exec_context().user;
    if (!w.writable)
        return n;
    std::size_t ok = reachable(w, to, n);
    if (ok != 0)
        std::memset(to, 0, ok);
    return n - ok;
}

extern "C" long strnlen_user(const char *str, long n) {
    if (n <= 0)
        return 0;
    std::size_t ok = reachable(exec_context().user, str, static_cast<std::size_t>(n));
    if (ok == 0)
        return 0;
    const void *nul = std::memchr(str, '\0', ok);
    if (nul != nullptr)
        return static_cast<const char *>(nul) - str + 1;
    // No NUL within n bytes: n + 1, as Linux; or 0 on a fault before n bytes.
    return ok == static_cast<std::size_t>(n) ? n + 1 : 0;
}

extern "C" long strncpy_from_user(char *dst, const char *src, long count) {
    if (count <= 0)
        return 0;
    std::size_t ok = reachable(exec_context().user, src, static_cast<std::size_t>(count));
    if (ok == 0)
        return -EFAULT;
    const void *nul = std::memchr(src, '\0', ok);
    if (nul != nullptr) {
        std::size_t len = static_cast<std::size_t>(static_cast<const char *>(nul) - src);
        std::memcpy(dst, src, len + 1);
        return static_cast<long>(len);
    }
    if (ok < static_cast<std::size_t>(count))
        return -EFAULT; // the string runs off the end of user memory
    std::memcpy(dst, src, ok);
    return count; // not NUL-terminated, as Linux: the caller must check
}

extern "C" int __lkmfs_get_user(void *kdst, const void *usrc, size_t size) {
    // One load in Linux: it faults whole (the caller then stores 0).
    if (!exec_context().user.contains(usrc, size))
        return -EFAULT;
    std::memcpy(kdst, usrc, size);
    return 0;
}

extern "C" int __lkmfs_put_user(const void *ksrc, void *udst, size_t size) {
    // One store in Linux: it faults whole, never writing part of the value.
    const UserWindow &w = exec_context().user;
    if (!w.writable || !w.contains(udst, size))
        return -EFAULT;
    std::memcpy(udst, ksrc, size);
    return 0;
}

extern "C" ssize_t simple_read_from_buffer(void *to, size_t count, loff_t *ppos, const void *from,
                                           size_t available) {
    loff_t pos = *ppos;
    if (pos < 0)
        return -EINVAL;
    if (static_cast<size_t>(pos) >= available || count == 0)
        return 0;
    count = std::min(count, available - static_cast<size_t>(pos));
    size_t left = copy_to_user(to, static_cast<const char *>(from) + pos, count);
    if (left == count)
        return -EFAULT;
    count -= left;
    *ppos = pos + static_cast<loff_t>(count);
    return static_cast<ssize_t>(count);
}

extern "C" ssize_t simple_write_to_buffer(void *to, size_t available, loff_t *ppos,
                                          const void *from, size_t count) {
    loff_t pos = *ppos;
    if (pos < 0)
        return -EINVAL;
    if (static_cast<size_t>(pos) >= available || count == 0)
        return 0;
    count = std::min(count, available - static_cast<size_t>(pos));
    size_t res = copy_from_user(static_cast<char *>(to) + pos, from, count);
    if (res == count)
        return -EFAULT;
    count -= res;
    *ppos = pos + static_cast<loff_t>(count);
    return static_cast<ssize_t>(count);
}
