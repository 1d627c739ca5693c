/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linked into every NAME.ko, as the NAME.mod.c that Linux's modpost generates: defines
 * __this_module and the vermagic and name .modinfo strings. Compiled once per module with
 * -DKBUILD_MODNAME='"NAME"'.
 */
#include <linux/module.h>
#include <linux/vermagic.h>

MODULE_INFO(vermagic, VERMAGIC_STRING);
MODULE_INFO(name, KBUILD_MODNAME);

/*
 * Weak: a module may lack an exit function (it then cannot be removed) or even an init.
 * Hidden, so that a missing one is NULL at link time: a dynamic reference would bind to
 * whatever the process has of that name, such as the C library's init_module(2).
 */
extern int init_module(void) __attribute__((weak, visibility("hidden")));
extern void cleanup_module(void) __attribute__((weak, visibility("hidden")));

/*
 * Section bounds the linker defines when the section exists; NULL otherwise. Hidden, so
 * that a module without the section gets NULL at link time instead of a dynamic reference
 * the loader would bind to another module's section (RTLD_GLOBAL).
 */
extern const struct kernel_symbol __start___ksymtab[] __attribute__((weak, visibility("hidden")));
extern const struct kernel_symbol __stop___ksymtab[] __attribute__((weak, visibility("hidden")));
extern const struct kernel_symbol __start___ksymtab_gpl[]
    __attribute__((weak, visibility("hidden")));
extern const struct kernel_symbol __stop___ksymtab_gpl[]
    __attribute__((weak, visibility("hidden")));
extern const struct kernel_param __start___param[] __attribute__((weak, visibility("hidden")));
extern const struct kernel_param __stop___param[] __attribute__((weak, visibility("hidden")));

__attribute__((visibility("default"))) struct module __this_module = {
    .state = MODULE_STATE_UNFORMED,
    .name = KBUILD_MODNAME,
    .syms = __start___ksymtab,
    .syms_end = __stop___ksymtab,
    .gpl_syms = __start___ksymtab_gpl,
    .gpl_syms_end = __stop___ksymtab_gpl,
    .kp = __start___param,
    .kp_end = __stop___param,
    .init = init_module,
    .exit = cleanup_module,
};
