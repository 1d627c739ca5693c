// SPDX-License-Identifier: GPL-2.0
#include "helper.h"

/* The same static name as in main.c: each object keeps its own. */
static int describe(void)
{
	return 2;
}

int kl_multi_helper(int x)
{
	return x * describe() + 2;
}
