/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtually contiguous memory, as <linux/vmalloc.h>: for buffers too large for kmalloc
 * (no KMALLOC_MAX_SIZE limit). Objects are page-aligned, charged to the module like
 * kmalloc's and reported if leaked; vfree() of memory that did not come from vmalloc is
 * reported, not executed.
 */
#ifndef _LKMFS_LINUX_VMALLOC_H
#define _LKMFS_LINUX_VMALLOC_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <lkmfs/kapi.h>

KAPI_BEGIN
void *vmalloc(unsigned long size);
void *vzalloc(unsigned long size);
void *vmalloc_user(unsigned long size);
void *vmalloc_node(unsigned long size, int node);
void *vzalloc_node(unsigned long size, int node);
void *vmalloc_32(unsigned long size);
void *__vmalloc(unsigned long size, gfp_t gfp_mask);
void *__vmalloc_array(size_t n, size_t size, gfp_t flags);
void *vmalloc_array(size_t n, size_t size);
void *__vcalloc(size_t n, size_t size, gfp_t flags);
void *vcalloc(size_t n, size_t size);
void vfree(const void *addr);
void vfree_atomic(const void *addr);
bool is_vmalloc_addr(const void *x);
KAPI_END

#endif
