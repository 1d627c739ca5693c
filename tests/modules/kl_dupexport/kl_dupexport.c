// SPDX-License-Identifier: GPL-2.0
/* kl_dupexport: exports a name kl_provider already exports: refused while both exist. */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/export.h>

int kl_provider_answer(void)
{
	return -1;
}
EXPORT_SYMBOL(kl_provider_answer);

static int __init kl_dupexport_init(void)
{
	return 0;
}

static void __exit kl_dupexport_exit(void)
{
}

module_init(kl_dupexport_init);
module_exit(kl_dupexport_exit);
MODULE_LICENSE("GPL");
