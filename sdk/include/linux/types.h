/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel types. Adds to the system's UAPI <linux/types.h>, which glibc also uses. */
#ifndef _LKMFS_LINUX_TYPES_H
#define _LKMFS_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif
#include <linux/compiler.h>

typedef __u8 u8;
typedef __s8 s8;
typedef __u16 u16;
typedef __s16 s16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;

/* The kernel's loff_t is long long (printed with %lld), while glibc's <sys/types.h>, included
 * above, typedefs loff_t as long: name the kernel's type instead of redefining the name. */
#define loff_t __kernel_loff_t
typedef unsigned short umode_t;
typedef unsigned int gfp_t;
typedef unsigned int fmode_t;
typedef unsigned int __poll_t;
typedef u64 phys_addr_t;
typedef u64 sector_t;

typedef struct {
    int counter;
} atomic_t;

typedef struct {
    s64 counter;
} atomic64_t;

#define ATOMIC_INIT(i)                                                                             \
    { (i) }

struct list_head {
    struct list_head *next, *prev;
};

struct hlist_head {
    struct hlist_node *first;
};

struct hlist_node {
    struct hlist_node *next, **pprev;
};

#endif
