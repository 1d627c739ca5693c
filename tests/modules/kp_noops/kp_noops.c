// An entry whose proc_ops has no proc_read, proc_write or proc_ioctl: Linux answers EIO to
// read and write and ENOTTY to ioctl; poll gives DEFAULT_POLLMASK.
#include <linux/module.h>
#include <linux/proc_fs.h>

static const struct proc_ops noops_ops = {
	.proc_lseek = default_llseek,
};

static int __init kp_noops_init(void)
{
	if (!proc_create("kp_noops", 0666, NULL, &noops_ops))
		return -ENOMEM;
	return 0;
}

static void __exit kp_noops_exit(void)
{
	remove_proc_entry("kp_noops", NULL);
}

module_init(kp_noops_init);
module_exit(kp_noops_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: an entry without read, write or ioctl handlers");
