/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EXPORT_SYMBOL, as <linux/export.h>.
 *
 * Modules are compiled with -fvisibility=hidden, so nothing a module defines can bind to
 * another module unless exported. An export gives the symbol default visibility (so the
 * dynamic linker can bind other modules to it) and records it in __ksymtab or
 * __ksymtab_gpl, from which the loader learns who exports what and under which licence.
 * For C++ modules, export extern "C" functions: the table holds the name as written.
 */
#ifndef _LKMFS_LINUX_EXPORT_H
#define _LKMFS_LINUX_EXPORT_H

#include <linux/compiler.h>

struct kernel_symbol {
    const char *name;
    const void *value;
};

#define __LKMFS_EXPORT_SYMBOL(sym, sec)                                                            \
    extern __typeof__(sym) sym __attribute__((__visibility__("default")));                         \
    static const char __kstrtab_##sym[] __used __section("__ksymtab_strings") __aligned(1) = #sym; \
    static const struct kernel_symbol __ksymtab_##sym __used __section(sec)                        \
        __aligned(sizeof(void *)) = {__kstrtab_##sym, (const void *)&sym}

#define EXPORT_SYMBOL(sym) __LKMFS_EXPORT_SYMBOL(sym, "__ksymtab")
#define EXPORT_SYMBOL_GPL(sym) __LKMFS_EXPORT_SYMBOL(sym, "__ksymtab_gpl")
#define EXPORT_SYMBOL_NS(sym, ns) EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns) EXPORT_SYMBOL_GPL(sym)

#endif
