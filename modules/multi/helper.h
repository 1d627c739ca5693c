/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MULTI_HELPER_H
#define MULTI_HELPER_H

/* Defined in helper.c, linked into the same multi.ko; not exported to other modules. */
const char *multi_helper_greeting(void);

#endif
