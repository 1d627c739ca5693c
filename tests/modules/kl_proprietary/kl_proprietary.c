// SPDX-License-Identifier: MIT
/* kl_proprietary: a non-GPL module using a plain EXPORT_SYMBOL: loads, taints P. */
#include <linux/module.h>
#include <linux/kernel.h>

extern int kl_provider_answer(void);

static int __init kl_proprietary_init(void)
{
	pr_info("kl_proprietary: provider answers %d\n", kl_provider_answer());
	return 0;
}

static void __exit kl_proprietary_exit(void)
{
}

module_init(kl_proprietary_init);
module_exit(kl_proprietary_exit);
MODULE_LICENSE("Proprietary");
