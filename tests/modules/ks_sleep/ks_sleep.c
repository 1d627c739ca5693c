// SPDX-License-Identifier: GPL-2.0
/*
 * ks_sleep: readers that sleep in the module, for the tests of a busy worker pool and of
 * removal while handlers sleep.
 *
 * A read of MNT/ks_sleep sleeps until the next wake-up, then returns "woken\n" (and end
 * of file after it). A write to the entry wakes every reader, and so does setting the
 * parameter `wake` (lkmctl param ks_sleep wake 1), which goes through the control socket
 * and so works even when every FUSE worker is asleep here. `sleepers` (read-only) says
 * how many readers sleep now.
 *
 * With d_ms > 0 (insmod ks_sleep.ko d_ms=N) the sleep is uninterruptible (wait_event_timeout,
 * state D) and ends at the latest after N ms; otherwise it is wait_event_interruptible()
 * and a signal ends it with -ERESTARTSYS.
 *
 * Each open kmallocs the file's state and its release frees it, and logs
 * "ks_sleep: release N", so that a file released twice, or never, shows in the log (and
 * a missing kfree in the leak report at unload).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

static int d_ms;
module_param(d_ms, int, 0444);
MODULE_PARM_DESC(d_ms, "Sleep uninterruptibly for at most this many ms (default 0: interruptibly)");

static DECLARE_WAIT_QUEUE_HEAD(queue);
static unsigned long generation; /* bumped by every wake-up */
static atomic_t sleepers = ATOMIC_INIT(0);
static atomic_t releases = ATOMIC_INIT(0);

struct ks_file {
	int opened_by;
};

static void wake_all(void)
{
	WRITE_ONCE(generation, READ_ONCE(generation) + 1);
	wake_up_all(&queue);
}

static int wake_set(const char *val, const struct kernel_param *kp)
{
	wake_all();
	return 0;
}

static const struct kernel_param_ops wake_ops = {
	.set = wake_set,
};
module_param_cb(wake, &wake_ops, NULL, 0200);
MODULE_PARM_DESC(wake, "Setting it wakes every reader");

static int sleepers_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, 4096, "%d\n", atomic_read(&sleepers));
}

static const struct kernel_param_ops sleepers_ops = {
	.get = sleepers_get,
};
module_param_cb(sleepers, &sleepers_ops, NULL, 0444);
MODULE_PARM_DESC(sleepers, "How many readers sleep now");

static int ks_open(struct inode *inode, struct file *file)
{
	struct ks_file *f = kmalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->opened_by = current->pid;
	file->private_data = f;
	return 0;
}

static ssize_t ks_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	static const char msg[] = "woken\n";
	unsigned long seen = READ_ONCE(generation);
	long err = 0;

	if (*ppos > 0)
		return 0;
	atomic_inc(&sleepers);
	if (d_ms > 0)
		wait_event_timeout(queue, READ_ONCE(generation) != seen, msecs_to_jiffies(d_ms));
	else
		err = wait_event_interruptible(queue, READ_ONCE(generation) != seen);
	atomic_dec(&sleepers);
	if (err)
		return err; /* -ERESTARTSYS: the caller sees EINTR */
	return simple_read_from_buffer(buf, count, ppos, msg, sizeof(msg) - 1);
}

static ssize_t ks_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	wake_all();
	return count;
}

static int ks_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	pr_info("release %d\n", atomic_inc_return(&releases));
	return 0;
}

static const struct proc_ops ks_ops = {
	.proc_open = ks_open,
	.proc_read = ks_read,
	.proc_write = ks_write,
	.proc_release = ks_release,
};

static int __init ks_init(void)
{
	if (!proc_create("ks_sleep", 0666, NULL, &ks_ops))
		return -ENOMEM;
	return 0;
}

static void __exit ks_exit(void)
{
	pr_info("exit begins\n");
	remove_proc_entry("ks_sleep", NULL);
	pr_info("exit done after %d releases\n", atomic_read(&releases));
}

module_init(ks_init);
module_exit(ks_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: readers asleep in a module, woken by a write or a parameter");
