/* SPDX-License-Identifier: GPL-2.0 */
/*
 * __init/__exit and module entry points, as <linux/init.h> and <linux/module.h>.
 * In Linux the init section of a loadable module is freed after init; here the
 * annotations are accepted and place nothing, as the seed's slides say they matter
 * only for built-in code.
 */
#ifndef _LKMFS_LINUX_INIT_H
#define _LKMFS_LINUX_INIT_H

#include <linux/compiler.h>

#define __init
#define __exit
#define __initdata
#define __exitdata
#define __initconst
#define __init_or_module
#define __ref
#define __refdata

typedef int (*initcall_t)(void);
typedef void (*exitcall_t)(void);

#ifdef __cplusplus
#define __LKMFS_ENTRY extern "C" __attribute__((__used__))
#else
#define __LKMFS_ENTRY __attribute__((__used__))
#endif

/*
 * The loader calls init_module()/cleanup_module(); modules written in the old style define
 * them directly. In C they are aliases of the module's functions, as in Linux (so a report
 * names kcrash_init, not init_module); C++'s static functions have mangled names an alias
 * cannot name, so there they are wrappers, which call through a volatile pointer so that the
 * module's function stays a frame of its own in reports instead of being inlined.
 */
#ifdef __cplusplus
#define module_init(initfn)                                                                        \
    static inline initcall_t __maybe_unused __inittest(void) {                                     \
        return initfn;                                                                             \
    }                                                                                              \
    __LKMFS_ENTRY int init_module(void);                                                           \
    __LKMFS_ENTRY int init_module(void) {                                                          \
        initcall_t volatile __lkmfs_initfn = initfn;                                               \
        return __lkmfs_initfn();                                                                   \
    }

#define module_exit(exitfn)                                                                        \
    static inline exitcall_t __maybe_unused __exittest(void) {                                     \
        return exitfn;                                                                             \
    }                                                                                              \
    __LKMFS_ENTRY void cleanup_module(void);                                                       \
    __LKMFS_ENTRY void cleanup_module(void) {                                                      \
        exitcall_t volatile __lkmfs_exitfn = exitfn;                                               \
        __lkmfs_exitfn();                                                                          \
    }
#else
#define module_init(initfn)                                                                        \
    static inline initcall_t __maybe_unused __inittest(void) {                                     \
        return initfn;                                                                             \
    }                                                                                              \
    __LKMFS_ENTRY int init_module(void) __attribute__((__alias__(#initfn)))

#define module_exit(exitfn)                                                                        \
    static inline exitcall_t __maybe_unused __exittest(void) {                                     \
        return exitfn;                                                                             \
    }                                                                                              \
    __LKMFS_ENTRY void cleanup_module(void) __attribute__((__alias__(#exitfn)))
#endif

#define late_initcall(fn) module_init(fn)
#define device_initcall(fn) module_init(fn)

#endif
