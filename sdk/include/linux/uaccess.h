/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copies between a handler and the calling process's buffer, as <linux/uaccess.h>.
 *
 * A handler's `__user` pointer designates the buffer of the read or write being served.
 * The copy functions check every range against that buffer: what lies inside is copied,
 * the rest is reported as not copied (the return value counts bytes NOT copied), and
 * nothing outside the request is ever touched.
 */
#ifndef _LKMFS_LINUX_UACCESS_H
#define _LKMFS_LINUX_UACCESS_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/compiler.h>
#include <lkmfs/kapi.h>

KAPI_BEGIN
unsigned long __must_check copy_to_user(void __user *to, const void *from, unsigned long n);
unsigned long __must_check copy_from_user(void *to, const void __user *from, unsigned long n);
unsigned long __must_check clear_user(void __user *to, unsigned long n);
long strncpy_from_user(char *dst, const char __user *src, long count);
long strnlen_user(const char __user *str, long n);
bool access_ok(const void __user *addr, unsigned long size);
int __lkmfs_get_user(void *kdst, const void __user *usrc, size_t size);
int __lkmfs_put_user(const void *ksrc, void __user *udst, size_t size);
KAPI_END

#define raw_copy_to_user copy_to_user
#define raw_copy_from_user copy_from_user
#define __copy_to_user copy_to_user
#define __copy_from_user copy_from_user

/* get_user(x, ptr): 0 or -EFAULT; x is 0 on a fault, as in Linux. */
#define get_user(x, ptr)                                                                           \
    ({                                                                                             \
        unsigned char __gu_buf[sizeof(*(ptr))] __aligned(8);                                       \
        int __gu_err = __lkmfs_get_user(__gu_buf, (ptr), sizeof(*(ptr)));                          \
        if (__gu_err)                                                                              \
            __builtin_memset(__gu_buf, 0, sizeof(__gu_buf));                                       \
        (x) = (__typeof__(x))*(__typeof__(*(ptr)) *)(void *)__gu_buf;                              \
        __gu_err;                                                                                  \
    })

/* put_user(x, ptr): 0 or -EFAULT. */
#define put_user(x, ptr)                                                                           \
    ({                                                                                             \
        __typeof__(*(ptr)) __pu_val = (x);                                                         \
        __lkmfs_put_user(&__pu_val, (ptr), sizeof(*(ptr)));                                        \
    })

#define __get_user get_user
#define __put_user put_user

#endif
