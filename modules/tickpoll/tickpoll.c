// SPDX-License-Identifier: GPL-2.0
/*
 * tickpoll: a ticker to wait on with poll(2), select(2) and epoll.
 *
 * A timer fires every period_ms milliseconds, in softirq context: it counts a tick and wakes
 * whoever waits on the module's queue, readers sleeping in read() and pollers alike. Each
 * open file remembers the last tick it read:
 *
 *   read()   "tick N\n", N the newest tick this file has not read yet; when it has read
 *            them all, it sleeps until the next tick (EAGAIN under O_NONBLOCK). A fresh
 *            file starts with every past tick read. The file position plays no part.
 *   poll()   EPOLLIN | EPOLLRDNORM while a tick is unread, nothing otherwise.
 *
 *   lkmctl insmod ./tickpoll.ko period_ms=500
 *   head -n 3 MNT/tickpoll         # three lines, half a second apart
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#define ENTRY_NAME "tickpoll"

static unsigned int period_ms = 100;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Milliseconds between ticks (default 100)");

static struct timer_list tick_timer;
static DECLARE_WAIT_QUEUE_HEAD(tick_wait);
static atomic_t ticks = ATOMIC_INIT(0);

/* What one open file has read. */
struct tickpoll_reader {
	atomic_t seen; /* the last tick read */
};

static void tick(struct timer_list *t)
{
	atomic_inc(&ticks);
	/* Sleeping readers and pollers of every open file: one wake-up reaches them all. */
	wake_up_interruptible_poll(&tick_wait, EPOLLIN | EPOLLRDNORM);
	mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static bool tick_unread(struct tickpoll_reader *r)
{
	return atomic_read(&ticks) != atomic_read(&r->seen);
}

static int tickpoll_open(struct inode *inode, struct file *file)
{
	struct tickpoll_reader *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	atomic_set(&r->seen, atomic_read(&ticks));
	file->private_data = r;
	return 0;
}

static ssize_t tickpoll_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct tickpoll_reader *r = file->private_data;
	char line[32];
	int now, len;

	while (!tick_unread(r)) {
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(tick_wait, tick_unread(r)))
			return -ERESTARTSYS;
	}
	now = atomic_read(&ticks);
	len = scnprintf(line, sizeof(line), "tick %d\n", now);
	if (count < len)
		return -EINVAL; /* a line is read whole or not at all */
	if (copy_to_user(buf, line, len))
		return -EFAULT;
	atomic_set(&r->seen, now);
	return len;
}

static __poll_t tickpoll_poll(struct file *file, poll_table *wait)
{
	struct tickpoll_reader *r = file->private_data;

	/* Queue first, then look: a tick in between still wakes the poller. */
	poll_wait(file, &tick_wait, wait);
	return tick_unread(r) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int tickpoll_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct proc_ops tickpoll_ops = {
	.proc_open = tickpoll_open,
	.proc_read = tickpoll_read,
	.proc_poll = tickpoll_poll,
	.proc_release = tickpoll_release,
};

static int __init tickpoll_init(void)
{
	if (period_ms == 0)
		return -EINVAL;
	timer_setup(&tick_timer, tick, 0);
	if (!proc_create(ENTRY_NAME, 0444, NULL, &tickpoll_ops))
		return -ENOMEM;
	mod_timer(&tick_timer, jiffies + msecs_to_jiffies(period_ms));
	pr_info("ticking every %u ms\n", period_ms);
	return 0;
}

static void __exit tickpoll_exit(void)
{
	/*
	 * The entry first, while the timer still ticks: a reader asleep in read() wakes at the
	 * next tick and lets the removal finish; pollers are told to poll again and find the
	 * entry gone. Then the timer, for good (it re-arms itself).
	 */
	remove_proc_entry(ENTRY_NAME, NULL);
	timer_shutdown_sync(&tick_timer);
	pr_info("stopped after %d ticks\n", atomic_read(&ticks));
}

module_init(tickpoll_init);
module_exit(tickpoll_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("A ticker whose timer wakes readers and pollers");
