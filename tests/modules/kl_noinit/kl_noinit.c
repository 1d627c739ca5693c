// SPDX-License-Identifier: GPL-2.0
/*
 * kl_noinit: a module without module_init. Linux loads it (init is optional) and, since it
 * has an exit function, removes it too.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>

static void __exit kl_noinit_exit(void)
{
	pr_info("kl_noinit: exit without init\n");
}

module_exit(kl_noinit_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: no init function");
