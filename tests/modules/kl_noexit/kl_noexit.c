// SPDX-License-Identifier: GPL-2.0
/* kl_noexit: an init function and no exit function: the module is permanent. */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>

static const struct proc_ops kl_noexit_ops = {};

static int __init kl_noexit_init(void)
{
	proc_create("kl_noexit", 0, NULL, &kl_noexit_ops);
	pr_info("kl_noexit: here to stay\n");
	return 0;
}

module_init(kl_noexit_init);
MODULE_LICENSE("GPL");
