// User copies (<linux/uaccess.h>): every range is checked against the request's user
// window and translated from the user address the handler holds (a slot of the reserved
// window, user_window.h) to the caller's buffer; what lies outside is reported as not
// copied and never touched. These functions are the only way module code reaches user
// memory, as the stac/clac-bracketed copies are in Linux with SMAP.
#include "exec_context.h"
#include "fault_inject.h"
#include "might_sleep.h"

#include <algorithm>
#include <cstring>

#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

namespace {

using lkmfs::kernel::exec_context;
using lkmfs::kernel::UserWindow;

} // namespace

extern "C" bool access_ok(const void *addr, unsigned long size) {
    const UserWindow &w = exec_context().user;
    return size == 0 || w.contains(addr, size);
}

extern "C" unsigned long copy_to_user(void *to, const void *from, unsigned long n) {
    LKMFS_MIGHT_SLEEP();                                     // might_fault()
    if (lkmfs::kernel::fault_inject::should_fail_usercopy()) // fail_usercopy
        return n;
    const UserWindow &w = exec_context().user;
    if (!w.writable)
        return n;
    unsigned char *dst = nullptr;
    std::size_t ok = w.reachable(to, n, &dst);
    if (ok != 0)
        std::memmove(dst, from, ok);
    return n - ok;
}

extern "C" unsigned long copy_from_user(void *to, const void *from, unsigned long n) {
    LKMFS_MIGHT_SLEEP();                                         // might_fault()
    if (lkmfs::kernel::fault_inject::fail_copy_from_user(to, n)) // fail_usercopy
        return n;
    unsigned char *src = nullptr;
    std::size_t ok = exec_context().user.reachable(from, n, &src);
    if (ok != 0)
        std::memmove(to, src, ok);
    // As in Linux, the part that could not be copied is zeroed in the destination.
    if (ok < n)
        std::memset(static_cast<char *>(to) + ok, 0, n - ok);
    return n - ok;
}

extern "C" unsigned long clear_user(void *to, unsigned long n) {
    LKMFS_MIGHT_SLEEP(); // might_fault()
    const UserWindow &w = exec_context().user;
    if (!w.writable)
        return n;
    unsigned char *dst = nullptr;
    std::size_t ok = w.reachable(to, n, &dst);
    if (ok != 0)
        std::memset(dst, 0, ok);
    return n - ok;
}

extern "C" long strnlen_user(const char *str, long n) {
    if (n <= 0)
        return 0;
    unsigned char *src = nullptr;
    std::size_t ok = exec_context().user.reachable(str, static_cast<std::size_t>(n), &src);
    if (ok == 0)
        return 0;
    const void *nul = std::memchr(src, '\0', ok);
    if (nul != nullptr)
        return static_cast<const unsigned char *>(nul) - src + 1;
    // No NUL within n bytes: n + 1, as Linux; or 0 on a fault before n bytes.
    return ok == static_cast<std::size_t>(n) ? n + 1 : 0;
}

extern "C" long strncpy_from_user(char *dst, const char *src, long count) {
    if (count <= 0)
        return 0;
    if (lkmfs::kernel::fault_inject::should_fail_usercopy()) // fail_usercopy
        return -EFAULT;
    unsigned char *from = nullptr;
    std::size_t ok = exec_context().user.reachable(src, static_cast<std::size_t>(count), &from);
    if (ok == 0)
        return -EFAULT;
    const void *nul = std::memchr(from, '\0', ok);
    if (nul != nullptr) {
        std::size_t len = static_cast<std::size_t>(static_cast<const unsigned char *>(nul) - from);
        std::memcpy(dst, from, len + 1);
        return static_cast<long>(len);
    }
    if (ok < static_cast<std::size_t>(count))
        return -EFAULT; // the string runs off the end of user memory
    std::memcpy(dst, from, ok);
    return count; // not NUL-terminated, as Linux: the caller must check
}

extern "C" int __lkmfs_get_user(void *kdst, const void *usrc, size_t size) {
    LKMFS_MIGHT_SLEEP();                                     // might_fault()
    if (lkmfs::kernel::fault_inject::should_fail_usercopy()) // fail_usercopy
        return -EFAULT;
    // One load in Linux: it faults whole (the caller then stores 0).
    unsigned char *src = nullptr;
    if (size == 0)
        return 0;
    if (exec_context().user.reachable(usrc, size, &src) != size)
        return -EFAULT;
    std::memcpy(kdst, src, size);
    return 0;
}

extern "C" int __lkmfs_put_user(const void *ksrc, void *udst, size_t size) {
    LKMFS_MIGHT_SLEEP();                                     // might_fault()
    if (lkmfs::kernel::fault_inject::should_fail_usercopy()) // fail_usercopy
        return -EFAULT;
    // One store in Linux: it faults whole, never writing part of the value.
    const UserWindow &w = exec_context().user;
    unsigned char *dst = nullptr;
    if (size == 0)
        return 0;
    if (!w.writable || w.reachable(udst, size, &dst) != size)
        return -EFAULT;
    std::memcpy(dst, ksrc, size);
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
