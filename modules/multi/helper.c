// SPDX-License-Identifier: GPL-2.0
/* The second object of multi.ko: compiled on its own, with the module's KBUILD_MODNAME. */
#include "helper.h"

const char *multi_helper_greeting(void)
{
	return "hello from " KBUILD_BASENAME ".c, part of module " KBUILD_MODNAME;
}
