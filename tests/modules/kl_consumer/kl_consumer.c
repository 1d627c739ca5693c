// SPDX-License-Identifier: GPL-2.0
/* kl_consumer: a GPL module using both of kl_provider's exports. */
#include <linux/module.h>
#include <linux/kernel.h>

extern int kl_provider_answer(void);
extern int kl_provider_gpl_answer(void);

static int __init kl_consumer_init(void)
{
	pr_info("kl_consumer: provider answers %d and %d\n", kl_provider_answer(),
		kl_provider_gpl_answer());
	return 0;
}

static void __exit kl_consumer_exit(void)
{
	pr_info("kl_consumer: gone\n");
}

module_init(kl_consumer_init);
module_exit(kl_consumer_exit);
MODULE_LICENSE("GPL");
