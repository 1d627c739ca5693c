// SPDX-License-Identifier: GPL-2.0
/*
 * kl_initfail: init creates a /proc entry and allocates memory, then returns `err`
 * (a parameter, -ENODEV by default). A failed load must leave nothing behind.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>

static int err = -ENODEV;
module_param(err, int, 0444);

static const struct proc_ops kl_initfail_ops = {};
static void *scratch;

static int __init kl_initfail_init(void)
{
	proc_create("kl_initfail_leftover", 0, NULL, &kl_initfail_ops);
	scratch = kmalloc(128, GFP_KERNEL);
	pr_info("kl_initfail: init returns %d\n", err);
	return err;
}

static void __exit kl_initfail_exit(void)
{
	remove_proc_entry("kl_initfail_leftover", NULL);
	kfree(scratch);
}

module_init(kl_initfail_init);
module_exit(kl_initfail_exit);
MODULE_LICENSE("GPL");
