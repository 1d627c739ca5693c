// An entry for rundown and module references. Open logs "kp_open: open"; read returns
// "alive\n"; write accepts everything; release logs "kp_open: release N" (N counts the
// releases). With pin=1, open takes a reference on the module (try_module_get) and
// release drops it, so that rmmod is refused while the file is open; with pin=0 (the
// default) an open file does not keep the module, as in Linux.
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>

static int pin; /* int: module_param(x, bool, ..) does not build in C yet (known SDK issue) */
module_param(pin, int, 0444);
MODULE_PARM_DESC(pin, "Take a module reference in open (default: no)");

static int releases;

static int kp_open(struct inode *inode, struct file *file)
{
	if (pin && !try_module_get(THIS_MODULE))
		return -ENODEV;
	pr_info("kp_open: open by %d\n", current->pid);
	return 0;
}

static ssize_t kp_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	static const char alive[] = "alive\n";

	return simple_read_from_buffer(buf, count, ppos, alive, sizeof(alive) - 1);
}

static ssize_t kp_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	return count;
}

static int kp_release(struct inode *inode, struct file *file)
{
	pr_info("kp_open: release %d\n", ++releases);
	if (pin)
		module_put(THIS_MODULE);
	return 0;
}

static const struct proc_ops kp_open_ops = {
	.proc_open = kp_open,
	.proc_read = kp_read,
	.proc_write = kp_write,
	.proc_release = kp_release,
};

static int __init kp_open_init(void)
{
	if (!proc_create("kp_open", 0666, NULL, &kp_open_ops))
		return -ENOMEM;
	return 0;
}

static void __exit kp_open_exit(void)
{
	pr_info("kp_open: exit begins\n");
	remove_proc_entry("kp_open", NULL);
	pr_info("kp_open: exit done after %d releases\n", releases);
}

module_init(kp_open_init);
module_exit(kp_open_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: open files, release and module references");
