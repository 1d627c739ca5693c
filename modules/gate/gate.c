// SPDX-License-Identifier: GPL-2.0
/*
 * gate: readers wait at a gate until someone opens it, with a completion.
 *
 *   cat /proc/gate            sleeps while the gate is closed, then prints "open"
 *   echo open > /proc/gate    complete_all(): every reader waiting, and every later one,
 *                             passes
 *   echo close > /proc/gate   reinit_completion(): later readers wait again
 *
 * The sleep is interruptible: Ctrl-C ends a waiting cat (the read returns -ERESTARTSYS,
 * the process sees EINTR). With O_NONBLOCK a read of a closed gate fails with EAGAIN.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static DECLARE_COMPLETION(gate_open);
static atomic_t waiting = ATOMIC_INIT(0);

static ssize_t gate_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	if (*ppos == 0 && !completion_done(&gate_open)) {
		int err;

		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		atomic_inc(&waiting);
		err = wait_for_completion_interruptible(&gate_open);
		atomic_dec(&waiting);
		if (err)
			return err;
	}
	return simple_read_from_buffer(buf, count, ppos, "open\n", 5);
}

static ssize_t gate_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char cmd[8];
	size_t len = min(count, sizeof(cmd) - 1);

	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	strim(cmd);
	if (!strcmp(cmd, "open")) {
		pr_info("gate: opened for %d waiting reader(s)\n", atomic_read(&waiting));
		complete_all(&gate_open);
	} else if (!strcmp(cmd, "close")) {
		reinit_completion(&gate_open);
	} else {
		return -EINVAL;
	}
	return count;
}

static const struct proc_ops gate_ops = {
	.proc_read = gate_read,
	.proc_write = gate_write,
};

static int __init gate_init(void)
{
	if (!proc_create("gate", 0666, NULL, &gate_ops))
		return -ENOMEM;
	return 0;
}

static void __exit gate_exit(void)
{
	remove_proc_entry("gate", NULL);
}

module_init(gate_init);
module_exit(gate_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("Readers wait until the gate is opened (a completion)");
