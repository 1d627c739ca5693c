// SPDX-License-Identifier: MIT
/* kl_gplonly: a proprietary module that uses an EXPORT_SYMBOL_GPL symbol: refused. */
#include <linux/module.h>
#include <linux/kernel.h>

extern int kl_provider_gpl_answer(void);

static int __init kl_gplonly_init(void)
{
	pr_info("kl_gplonly: provider answers %d\n", kl_provider_gpl_answer());
	return 0;
}

static void __exit kl_gplonly_exit(void)
{
}

module_init(kl_gplonly_init);
module_exit(kl_gplonly_exit);
MODULE_LICENSE("Proprietary");
