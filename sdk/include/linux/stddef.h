/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LKMFS_LINUX_STDDEF_H
#define _LKMFS_LINUX_STDDEF_H

#include_next <linux/stddef.h>
#include <stddef.h>

#ifndef __cplusplus
#ifndef true
enum { false = 0, true = 1 };
#endif
#endif

#define sizeof_field(TYPE, MEMBER) sizeof((((TYPE *)0)->MEMBER))
#define offsetofend(TYPE, MEMBER) (offsetof(TYPE, MEMBER) + sizeof_field(TYPE, MEMBER))

#endif
