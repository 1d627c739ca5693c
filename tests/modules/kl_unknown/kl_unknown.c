// SPDX-License-Identifier: GPL-2.0
/*
 * kl_unknown: calls printf (a C library function that is no kernel API) and a function
 * nobody defines. Loading must fail with "Unknown symbol", never crash the loader.
 */
#include <linux/module.h>
#include <linux/kernel.h>

/* No kernel header declares printf: the module declares it, as it does no_such_fn. */
extern int printf(const char *fmt, ...);

extern int no_such_fn(void);

static int __init kl_unknown_init(void)
{
	/* A format with arguments: the compiler cannot turn it into puts(). */
	printf("kl_unknown: %d\n", no_such_fn());
	return 0;
}

static void __exit kl_unknown_exit(void)
{
}

module_init(kl_unknown_init);
module_exit(kl_unknown_exit);
MODULE_LICENSE("GPL");
