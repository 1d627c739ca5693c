/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loadable modules, as <linux/module.h>.
 *
 * Each NAME.ko links the build tree's mod.c, which defines __this_module (name, entry
 * points, parameter and export tables) and the vermagic/name .modinfo strings, as the
 * kernel's modpost-generated NAME.mod.c does.
 */
#ifndef _LKMFS_LINUX_MODULE_H
#define _LKMFS_LINUX_MODULE_H

#include_next <linux/module.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/init.h>
#include <linux/export.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/stat.h>
#include <lkmfs/kapi.h>

#define MODULE_NAME_LEN (64 - sizeof(unsigned long))

enum module_state {
    MODULE_STATE_LIVE,
    MODULE_STATE_COMING,
    MODULE_STATE_GOING,
    MODULE_STATE_UNFORMED,
};

struct module {
    enum module_state state;
    struct list_head list;
    char name[MODULE_NAME_LEN];

    /* Bounds of this module's __ksymtab, __ksymtab_gpl and __param sections, filled in by
     * the linker through mod.c (where Linux keeps counts, filled in by its loader). */
    const struct kernel_symbol *syms, *syms_end;
    const struct kernel_symbol *gpl_syms, *gpl_syms_end;
    const struct kernel_param *kp, *kp_end;

    int (*init)(void);
    void (*exit)(void);

    /* The daemon's own record of this module; opaque to modules. */
    void *lkmfs_private;
};

#ifdef MODULE
extern struct module __this_module;
#define THIS_MODULE (&__this_module)
#else
#define THIS_MODULE ((struct module *)0)
#endif

#define MODULE_INFO(tag, info) __MODULE_INFO(tag, tag, info)
#define MODULE_LICENSE(_license) MODULE_INFO(license, _license)
#define MODULE_AUTHOR(_author) MODULE_INFO(author, _author)
#define MODULE_DESCRIPTION(_description) MODULE_INFO(description, _description)
#define MODULE_VERSION(_version) MODULE_INFO(version, _version)
#define MODULE_ALIAS(_alias) MODULE_INFO(alias, _alias)
#define MODULE_SOFTDEP(_softdep) MODULE_INFO(softdep, _softdep)
#define MODULE_FIRMWARE(_firmware) MODULE_INFO(firmware, _firmware)
#define MODULE_IMPORT_NS(ns) MODULE_INFO(import_ns, __stringify(ns))
#define MODULE_DEVICE_TABLE(type, name)

KAPI_BEGIN
/* Takes a reference unless the module is going away; 1 on success, as in Linux. */
bool try_module_get(struct module *module);
void module_put(struct module *module);
void __module_get(struct module *module);
int module_refcount(struct module *mod);
KAPI_END

static inline const char *module_name(const struct module *mod) {
    return mod ? mod->name : "kernel";
}

#endif
