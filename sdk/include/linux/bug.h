/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assertions, as <linux/bug.h> (with what Linux 6.1 keeps in asm-generic/bug.h,
 * linux/build_bug.h and the taint part of linux/panic.h).
 *
 * WARN*() print the kernel's warning report to the log -- "------------[ cut here ]----",
 * "WARNING: CPU: 0 PID: ... at FILE:LINE func+0x../0x.. [module]", a "Call Trace:" naming
 * the functions of the call chain -- taint the kernel with W, and return the condition.
 * BUG() prints "kernel BUG at FILE:LINE!" with the oops report and taints D; code after
 * BUG() never runs. Until oops containment arrives, the daemon then stops (abort()).
 */
#ifndef _LKMFS_LINUX_BUG_H
#define _LKMFS_LINUX_BUG_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <lkmfs/kapi.h>

/* Taint flags (bit numbers) and add_taint(), as <linux/panic.h>. */
#define TAINT_PROPRIETARY_MODULE 0
#define TAINT_FORCED_MODULE 1
#define TAINT_CPU_OUT_OF_SPEC 2
#define TAINT_FORCED_RMMOD 3
#define TAINT_MACHINE_CHECK 4
#define TAINT_BAD_PAGE 5
#define TAINT_USER 6
#define TAINT_DIE 7
#define TAINT_OVERRIDDEN_ACPI_TABLE 8
#define TAINT_WARN 9
#define TAINT_CRAP 10
#define TAINT_FIRMWARE_WORKAROUND 11
#define TAINT_OOT_MODULE 12
#define TAINT_UNSIGNED_MODULE 13
#define TAINT_SOFTLOCKUP 14
#define TAINT_LIVEPATCH 15
#define TAINT_AUX 16
#define TAINT_RANDSTRUCT 17
#define TAINT_FLAGS_COUNT 18

enum lockdep_ok { LOCKDEP_STILL_OK, LOCKDEP_NOW_UNRELIABLE };

KAPI_BEGIN
void add_taint(unsigned flag, enum lockdep_ok lockdep_ok);
int test_taint(unsigned flag);
unsigned long get_taint(void);

/* The reports behind the macros below; `file`, `line` and `func` name the call site. */
__printf(5, 6) __cold void __lkmfs_warn(const char *file, int line, const char *func,
                                        unsigned taint, const char *fmt, ...);
__cold void __lkmfs_warn_on(const char *file, int line, const char *func, unsigned taint);
__noreturn __cold void __lkmfs_bug(const char *file, int line, const char *func);
KAPI_END

/* GNU statement expressions, marked so that -Wpedantic C++ accepts them. */
#define __lkmfs_stmt_expr(...) __extension__({__VA_ARGS__})

#define BUG()                                                                                      \
    do {                                                                                           \
        __lkmfs_bug(__FILE__, __LINE__, __func__);                                                 \
    } while (0)

#define BUG_ON(condition)                                                                          \
    do {                                                                                           \
        if (unlikely(condition))                                                                   \
            BUG();                                                                                 \
    } while (0)

#define WARN_TAINT(condition, taint, format...)                                                    \
    __lkmfs_stmt_expr(int __ret_warn_on = !!(condition); if (unlikely(__ret_warn_on))              \
                          __lkmfs_warn(__FILE__, __LINE__, __func__, (taint), format);             \
                      unlikely(__ret_warn_on);)

#define WARN(condition, format...) WARN_TAINT(condition, TAINT_WARN, format)

#define WARN_ON(condition)                                                                         \
    __lkmfs_stmt_expr(int __ret_warn_on = !!(condition); if (unlikely(__ret_warn_on))              \
                          __lkmfs_warn_on(__FILE__, __LINE__, __func__, TAINT_WARN);               \
                      unlikely(__ret_warn_on);)

#define WARN_ON_ONCE(condition)                                                                    \
    __lkmfs_stmt_expr(static bool __warned; int __ret_warn_once = !!(condition);                   \
                      if (unlikely(__ret_warn_once && !__warned)) {                                \
                          __warned = true;                                                         \
                          __lkmfs_warn_on(__FILE__, __LINE__, __func__, TAINT_WARN);               \
                      } unlikely(__ret_warn_once);)

#define WARN_ONCE(condition, format...)                                                            \
    __lkmfs_stmt_expr(static bool __warned; int __ret_warn_once = !!(condition);                   \
                      if (unlikely(__ret_warn_once && !__warned)) {                                \
                          __warned = true;                                                         \
                          __lkmfs_warn(__FILE__, __LINE__, __func__, TAINT_WARN, format);          \
                      } unlikely(__ret_warn_once);)

#define WARN_TAINT_ONCE(condition, taint, format...)                                               \
    __lkmfs_stmt_expr(static bool __warned; int __ret_warn_once = !!(condition);                   \
                      if (unlikely(__ret_warn_once && !__warned)) {                                \
                          __warned = true;                                                         \
                          __lkmfs_warn(__FILE__, __LINE__, __func__, (taint), format);             \
                      } unlikely(__ret_warn_once);)

/* Compile-time assertions, as <linux/build_bug.h>: the condition must be a constant. */
#ifdef __cplusplus
#define BUILD_BUG_ON_MSG(cond, msg) static_assert(!(cond), msg)
#else
#define BUILD_BUG_ON_MSG(cond, msg) _Static_assert(!(cond), msg)
#endif
#define BUILD_BUG_ON(condition)                                                                    \
    do {                                                                                           \
        BUILD_BUG_ON_MSG(condition, "BUILD_BUG_ON failed: " #condition);                           \
    } while (0)
#define BUILD_BUG_ON_NOT_POWER_OF_2(n) BUILD_BUG_ON((n) == 0 || (((n) & ((n)-1)) != 0))

#endif
