// SPDX-License-Identifier: GPL-2.0
/*
 * kl_ref: /proc/kl_ref pins the module while it is open (try_module_get in open,
 * module_put in release), so rmmod says "in use" meanwhile.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

static int kl_ref_open(struct inode *inode, struct file *file)
{
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	pr_info("kl_ref: open, refcount %d\n", module_refcount(THIS_MODULE));
	return 0;
}

static ssize_t kl_ref_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	static const char text[] = "pinned\n";

	return simple_read_from_buffer(buf, count, ppos, text, sizeof(text) - 1);
}

static int kl_ref_release(struct inode *inode, struct file *file)
{
	module_put(THIS_MODULE);
	pr_info("kl_ref: release\n");
	return 0;
}

static const struct proc_ops kl_ref_ops = {
	.proc_open = kl_ref_open,
	.proc_read = kl_ref_read,
	.proc_release = kl_ref_release,
};

static int __init kl_ref_init(void)
{
	return proc_create("kl_ref", 0444, NULL, &kl_ref_ops) ? 0 : -ENOMEM;
}

static void __exit kl_ref_exit(void)
{
	remove_proc_entry("kl_ref", NULL);
	pr_info("kl_ref: exit\n");
}

module_init(kl_ref_init);
module_exit(kl_ref_exit);
MODULE_LICENSE("GPL");
