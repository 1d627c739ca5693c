// SPDX-License-Identifier: GPL-2.0
/* kl_multi: one module from two source files (kl_multi-objs := main.o helper.o). */
#include <linux/module.h>
#include <linux/kernel.h>
#include "helper.h"

static int describe(void)
{
	return 1;
}

static int __init kl_multi_init(void)
{
	pr_info("kl_multi: main says %d, helper says %d\n", describe(), kl_multi_helper(20));
	return 0;
}

static void __exit kl_multi_exit(void)
{
}

module_init(kl_multi_init);
module_exit(kl_multi_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A module built from two objects");
