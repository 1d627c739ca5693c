// SPDX-License-Identifier: GPL-2.0
/*
 * kl_hello: a plain module with every MODULE_* tag and one /proc entry, kl_hello, that
 * reads "loads=N generation=G\n". Both counters are static: a module image that is really
 * unmapped on rmmod starts again at loads=1 generation=7 on the next insmod.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

static int loads;
static int generation = 7;
static char text[64];

static ssize_t kl_hello_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(buf, count, ppos, text, strlen(text));
}

static const struct proc_ops kl_hello_ops = {
	.proc_read = kl_hello_read,
};

static int __init kl_hello_init(void)
{
	++loads;
	snprintf(text, sizeof(text), "loads=%d generation=%d\n", loads, generation);
	generation += 100;
	if (!proc_create("kl_hello", 0444, NULL, &kl_hello_ops))
		return -ENOMEM;
	pr_info("kl_hello: init %s", text);
	return 0;
}

static void __exit kl_hello_exit(void)
{
	remove_proc_entry("kl_hello", NULL);
	pr_info("kl_hello: exit\n");
}

module_init(kl_hello_init);
module_exit(kl_hello_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("Loader Tests <loader@lkmfs.test>");
MODULE_DESCRIPTION("A module with every tag");
MODULE_VERSION("1.2.3");
MODULE_ALIAS("kl-hello-alias");
