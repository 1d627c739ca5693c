/* SPDX-License-Identifier: GPL-2.0 */
/* Module parameters, as <linux/moduleparam.h>: `insmod m.ko name=value`. */
#ifndef _LKMFS_LINUX_MODULEPARAM_H
#define _LKMFS_LINUX_MODULEPARAM_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/stat.h>
#include <lkmfs/kapi.h>

#define MAX_PARAM_PREFIX_LEN (64 - sizeof(unsigned long))

#define __MODULE_INFO(tag, name, info)                                                             \
    static const char __UNIQUE_ID(name)[] __used __section(".modinfo") __aligned(1) =              \
        __stringify(tag) "=" info

#define MODULE_PARM_DESC(_parm, desc) __MODULE_INFO(parm, _parm, #_parm ":" desc)
#define __MODULE_PARM_TYPE(name, _type) __MODULE_INFO(parmtype, name##type, #name ":" _type)

struct kernel_param;
struct module;

/* The parameter may be given without a value ("flag" rather than "flag=1"). */
#define KERNEL_PARAM_OPS_FL_NOARG (1 << 0)

struct kernel_param_ops {
    unsigned int flags;
    int (*set)(const char *val, const struct kernel_param *kp);
    int (*get)(char *buffer, const struct kernel_param *kp);
    void (*free)(void *arg);
};

struct kparam_string {
    unsigned int maxlen;
    char *string;
};

struct kparam_array {
    unsigned int max;
    unsigned int elemsize;
    unsigned int *num;
    const struct kernel_param_ops *ops;
    void *elem;
};

struct kernel_param {
    const char *name;
    struct module *mod;
    const struct kernel_param_ops *ops;
    const u16 perm;
    s8 level;
    u8 flags;
    union {
        void *arg;
        const struct kparam_string *str;
        const struct kparam_array *arr;
    };
};

KAPI_BEGIN
extern const struct kernel_param_ops param_ops_byte;
extern const struct kernel_param_ops param_ops_short;
extern const struct kernel_param_ops param_ops_ushort;
extern const struct kernel_param_ops param_ops_int;
extern const struct kernel_param_ops param_ops_uint;
extern const struct kernel_param_ops param_ops_long;
extern const struct kernel_param_ops param_ops_ulong;
extern const struct kernel_param_ops param_ops_ullong;
extern const struct kernel_param_ops param_ops_hexint;
extern const struct kernel_param_ops param_ops_charp;
extern const struct kernel_param_ops param_ops_bool;
extern const struct kernel_param_ops param_ops_invbool;
extern const struct kernel_param_ops param_ops_bint;
extern const struct kernel_param_ops param_array_ops;
extern const struct kernel_param_ops param_ops_string;
KAPI_END

/* C++ has no type for a designated union member in an aggregate of this shape; the
 * argument pointer goes through the first union member in both languages. */
#define __module_param_call(prefix, name, ops, arg, perm, level, flags)                            \
    static const char __param_str_##name[] = prefix #name;                                         \
    static const struct kernel_param __param_##name __used __section("__param")                    \
        __aligned(sizeof(void *)) = {                                                              \
            __param_str_##name, THIS_MODULE, ops, (u16)(perm), level, flags, {(void *)(arg)}}

#define module_param_cb(name, ops, arg, perm) __module_param_call("", name, ops, arg, perm, -1, 0)

#define module_param_named(name, value, type, perm)                                                \
    module_param_cb(name, &param_ops_##type, &value, perm);                                        \
    __MODULE_PARM_TYPE(name, #type)

/* `type` is pasted directly (never passed on to another macro): in C, <stdbool.h> makes
 * `bool` a macro that would otherwise expand to _Bool before the paste. */
#define module_param(name, type, perm)                                                             \
    module_param_cb(name, &param_ops_##type, &name, perm);                                         \
    __MODULE_PARM_TYPE(name, #type)
#define module_param_unsafe(name, type, perm) module_param(name, type, perm)

#define module_param_string(name, string, len, perm)                                               \
    static const struct kparam_string __param_string_##name = {len, string};                       \
    __module_param_call("", name, &param_ops_string, &__param_string_##name, perm, -1, 0);         \
    __MODULE_PARM_TYPE(name, "string")

#define module_param_array_named(name, array, type, nump, perm)                                    \
    static const struct kparam_array __param_arr_##name = {                                        \
        sizeof(array) / sizeof((array)[0]), sizeof((array)[0]), nump, &param_ops_##type, array};   \
    __module_param_call("", name, &param_array_ops, &__param_arr_##name, perm, -1, 0);             \
    __MODULE_PARM_TYPE(name, "array of " #type)

#define module_param_array(name, type, nump, perm)                                                 \
    static const struct kparam_array __param_arr_##name = {                                        \
        sizeof(name) / sizeof((name)[0]), sizeof((name)[0]), nump, &param_ops_##type, name};       \
    __module_param_call("", name, &param_array_ops, &__param_arr_##name, perm, -1, 0);             \
    __MODULE_PARM_TYPE(name, "array of " #type)

#endif
