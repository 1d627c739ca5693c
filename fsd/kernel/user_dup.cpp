// Copies of user memory into kmalloc'd buffers (<linux/string.h>: memdup_user and friends,
// mm/util.c in Linux 6.1), charged to the calling module like any kmalloc.
#include <cstring>

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

extern "C" void *memdup_user(const void __user *src, size_t len) {
    void *p = kmalloc(len, GFP_KERNEL | __GFP_NOWARN);
    if (p == nullptr)
        return ERR_PTR(-ENOMEM);
    if (copy_from_user(p, src, len) != 0) {
        kfree(p);
        return ERR_PTR(-EFAULT);
    }
    return p;
}

extern "C" char *memdup_user_nul(const void __user *src, size_t len) {
    auto *p = static_cast<char *>(kmalloc(len + 1, GFP_KERNEL | __GFP_NOWARN));
    if (p == nullptr)
        return static_cast<char *>(ERR_PTR(-ENOMEM));
    if (copy_from_user(p, src, len) != 0) {
        kfree(p);
        return static_cast<char *>(ERR_PTR(-EFAULT));
    }
    p[len] = '\0';
    return p;
}

extern "C" char *strndup_user(const char __user *s, long n) {
    long length = strnlen_user(s, n); // counts the NUL; n + 1 if there is none within n
    if (length == 0)
        return static_cast<char *>(ERR_PTR(-EFAULT));
    if (length > n)
        return static_cast<char *>(ERR_PTR(-EINVAL));
    auto *p = static_cast<char *>(memdup_user(s, static_cast<size_t>(length)));
    if (IS_ERR(p))
        return p;
    p[length - 1] = '\0';
    return p;
}
