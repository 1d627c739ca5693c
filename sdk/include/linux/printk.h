/* SPDX-License-Identifier: GPL-2.0 */
/* printk and the pr_* family, as <linux/printk.h>. */
#ifndef _LKMFS_LINUX_PRINTK_H
#define _LKMFS_LINUX_PRINTK_H

#include <stdarg.h>
#include <linux/compiler.h>
#include <linux/kern_levels.h>
#include <lkmfs/kapi.h>

KAPI_BEGIN
__printf(1, 2) __cold int _printk(const char *fmt, ...);
__printf(1, 0) int vprintk(const char *fmt, va_list args);
KAPI_END

#define printk(fmt, ...) _printk(fmt, ##__VA_ARGS__)

/* A module defines pr_fmt before its first #include to prefix its messages. */
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

#define pr_emerg(fmt, ...) printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...) printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...) printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warning pr_warn
#define pr_notice(fmt, ...) printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...) printk(KERN_CONT fmt, ##__VA_ARGS__)
/* Linux compiles pr_debug away unless DEBUG (or dynamic debug) is set; so do we. */
#ifdef DEBUG
#define pr_debug(fmt, ...) printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...)                                                                         \
    ({                                                                                             \
        if (0)                                                                                     \
            printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__);                                         \
        0;                                                                                         \
    })
#endif
#define pr_devel pr_debug

#define printk_once(fmt, ...)                                                                      \
    ({                                                                                             \
        static bool __print_once;                                                                  \
        if (!__print_once) {                                                                       \
            __print_once = true;                                                                   \
            printk(fmt, ##__VA_ARGS__);                                                            \
        }                                                                                          \
    })
#define pr_info_once(fmt, ...) printk_once(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_once(fmt, ...) printk_once(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err_once(fmt, ...) printk_once(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)

#endif
