// SPDX-License-Identifier: GPL-2.0
/* kl_oldstyle: entry points named init_module/cleanup_module, without module_init/exit. */
#include <linux/module.h>
#include <linux/kernel.h>

int init_module(void)
{
	pr_info("kl_oldstyle: init_module called\n");
	return 0;
}

void cleanup_module(void)
{
	pr_info("kl_oldstyle: cleanup_module called\n");
}

MODULE_LICENSE("GPL");
