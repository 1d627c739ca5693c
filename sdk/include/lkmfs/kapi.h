/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkmfs: how SDK headers declare the simulated kernel's API.
 *
 * Declarations between KAPI_BEGIN and KAPI_END have C linkage and default visibility, so
 * the daemon (built with -fvisibility=hidden) exports exactly these names in its dynamic
 * symbol table: that table is the kernel symbol table modules are checked against.
 */
#ifndef _LKMFS_KAPI_H
#define _LKMFS_KAPI_H

#ifdef __cplusplus
#define KAPI_BEGIN                                                                                 \
    extern "C" {                                                                                   \
    _Pragma("GCC visibility push(default)")
#define KAPI_END                                                                                   \
    _Pragma("GCC visibility pop")                                                                  \
    }
#else
#define KAPI_BEGIN _Pragma("GCC visibility push(default)")
#define KAPI_END _Pragma("GCC visibility pop")
#endif

#endif
