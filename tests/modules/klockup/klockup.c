// SPDX-License-Identifier: GPL-2.0
/*
 * klockup: handlers that keep the CPU without sleeping, for the soft-lockup watchdog.
 *
 *   /proc/klockup/spin    a read busy-waits for spin_ms milliseconds (a module parameter,
 *                         default 3000), then returns "spun N ms\n": a soft lockup once
 *                         spin_ms exceeds the watchdog's threshold
 *   /proc/klockup/polite  the same loop, calling cond_resched() on each round: no lockup
 *   /proc/klockup/ok      "still here\n", to show the module serves meanwhile
 *
 * The busy-waits end on their own: tests must not spin forever.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

static unsigned int spin_ms = 3000;
module_param(spin_ms, uint, 0644);
MODULE_PARM_DESC(spin_ms, "How long a read of spin or polite busy-waits, in ms");

static struct proc_dir_entry *dir;

static ssize_t answer(char __user *buf, size_t n, loff_t *pos, const char *text)
{
	return simple_read_from_buffer(buf, n, pos, text, strlen(text));
}

/* The bug: a busy-wait that never gives the CPU away. */
static ssize_t busy_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	char text[32];
	unsigned long end;

	if (*pos == 0) {
		end = jiffies + msecs_to_jiffies(spin_ms);
		while (time_before(jiffies, end))
			;
	}
	snprintf(text, sizeof(text), "spun %u ms\n", spin_ms);
	return answer(buf, n, pos, text);
}

/* The fix: the same wait, with a chance to schedule on every round. */
static ssize_t polite_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	char text[32];
	unsigned long end;

	if (*pos == 0) {
		end = jiffies + msecs_to_jiffies(spin_ms);
		while (time_before(jiffies, end))
			cond_resched();
	}
	snprintf(text, sizeof(text), "spun %u ms\n", spin_ms);
	return answer(buf, n, pos, text);
}

static ssize_t ok_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return answer(buf, n, pos, "still here\n");
}

static const struct proc_ops spin_ops = {
	.proc_read = busy_read,
};

static const struct proc_ops polite_ops = {
	.proc_read = polite_read,
};

static const struct proc_ops ok_ops = {
	.proc_read = ok_read,
};

static int __init klockup_init(void)
{
	dir = proc_mkdir("klockup", NULL);
	if (!dir)
		return -ENOMEM;
	if (!proc_create("spin", 0444, dir, &spin_ops) ||
	    !proc_create("polite", 0444, dir, &polite_ops) ||
	    !proc_create("ok", 0444, dir, &ok_ops)) {
		proc_remove(dir);
		return -ENOMEM;
	}
	return 0;
}

static void __exit klockup_exit(void)
{
	proc_remove(dir);
}

module_init(klockup_init);
module_exit(klockup_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Handlers that busy-wait, for the soft-lockup watchdog");
