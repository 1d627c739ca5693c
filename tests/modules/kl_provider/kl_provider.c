// SPDX-License-Identifier: GPL-2.0
/* kl_provider: exports one function to every module and one to GPL modules only. */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/export.h>

int kl_provider_answer(void)
{
	return 42;
}
EXPORT_SYMBOL(kl_provider_answer);

int kl_provider_gpl_answer(void)
{
	return 43;
}
EXPORT_SYMBOL_GPL(kl_provider_gpl_answer);

static int __init kl_provider_init(void)
{
	pr_info("kl_provider: ready\n");
	return 0;
}

static void __exit kl_provider_exit(void)
{
	pr_info("kl_provider: gone\n");
}

module_init(kl_provider_init);
module_exit(kl_provider_exit);
MODULE_LICENSE("GPL");
