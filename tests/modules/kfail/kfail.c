// A module whose init fails: the load must fail with init's errno and leave nothing behind.
#include <linux/module.h>
#include <linux/proc_fs.h>

static const struct proc_ops kfail_ops = {};

static int __init kfail_init(void)
{
	/* Created before failing, and not removed: the loader must clean up after us. */
	proc_create("kfail_leftover", 0, NULL, &kfail_ops);
	pr_info("kfail: init fails with -ENODEV\n");
	return -ENODEV;
}

static void __exit kfail_exit(void)
{
}

module_init(kfail_init);
module_exit(kfail_exit);
MODULE_LICENSE("GPL");
