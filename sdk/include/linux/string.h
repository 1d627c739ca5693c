/* SPDX-License-Identifier: GPL-2.0 */
/*
 * String and memory helpers, as <linux/string.h>. The C library's functions of the same
 * name and meaning (memcpy, strlen, snprintf, sscanf, ...) serve as the kernel's own.
 */
#ifndef _LKMFS_LINUX_STRING_H
#define _LKMFS_LINUX_STRING_H

#include_next <linux/string.h>
#include <string.h>
#include <stdio.h>
#include <linux/types.h>
#include <lkmfs/kapi.h>

KAPI_BEGIN
ssize_t strscpy(char *dest, const char *src, size_t count);
size_t strlcpy(char *dest, const char *src, size_t size);
char *strim(char *s);
char *skip_spaces(const char *str);
void *memchr_inv(const void *start, int c, size_t bytes);
char *kstrdup(const char *s, gfp_t gfp);
char *kstrndup(const char *s, size_t max, gfp_t gfp);
void *kmemdup(const void *src, size_t len, gfp_t gfp);
char *kmemdup_nul(const char *s, size_t len, gfp_t gfp);
int sysfs_streq(const char *s1, const char *s2);
/* Copies of user memory into kmalloc'd buffers: a pointer, or ERR_PTR(-EFAULT/-ENOMEM/...). */
void *memdup_user(const void __user *src, size_t len);
char *memdup_user_nul(const void __user *src, size_t len);
char *strndup_user(const char __user *s, long n);
KAPI_END

static inline char *strstrip(char *str) {
    return strim(str);
}

#endif
