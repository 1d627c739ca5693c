// SPDX-License-Identifier: GPL-2.0
/*
 * ticker: a kernel timer and a workqueue.
 *
 * A timer fires every period_ms milliseconds, in softirq context: it must not sleep, so it
 * only counts the tick and queues a work item. The work item runs later on a worker
 * thread, in process context, where sleeping is allowed (it takes a mutex and sleeps a
 * millisecond). A tick that comes while the previous work item is still pending does not
 * queue it twice, so there are never more work runs than ticks.
 *
 *   cat /proc/ticker           the counters and the contexts each part ran in
 *   echo stop > /proc/ticker   stop the timer (and wait for a running callback)
 *   echo start > /proc/ticker  start it again
 *   echo reset > /proc/ticker  zero the counters
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

static unsigned int period_ms = 100;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Timer period in milliseconds (default 100)");

static struct timer_list tick_timer;
static struct workqueue_struct *ticker_wq;
static struct work_struct tick_work;
static struct proc_dir_entry *ticker_entry;

static atomic_t ticks = ATOMIC_INIT(0);
static atomic_t work_runs = ATOMIC_INIT(0);
static atomic_t running = ATOMIC_INIT(0);
static atomic_t timer_in_softirq = ATOMIC_INIT(0);
static atomic_t work_in_process_context = ATOMIC_INIT(0);

/* Serialises start/stop/reset, and the work items' bookkeeping. */
static DEFINE_MUTEX(ticker_lock);
static unsigned long last_work_jiffies;

static void tick(struct timer_list *t)
{
	atomic_set(&timer_in_softirq, in_softirq() ? 1 : 0);
	atomic_inc(&ticks);
	queue_work(ticker_wq, &tick_work);
	if (atomic_read(&running))
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static void tick_work_fn(struct work_struct *work)
{
	mutex_lock(&ticker_lock); /* sleeping lock: fine in process context */
	atomic_set(&work_in_process_context, in_task() ? 1 : 0);
	last_work_jiffies = jiffies;
	atomic_inc(&work_runs);
	mutex_unlock(&ticker_lock);
	msleep(1);
}

static void ticker_start(void)
{
	if (atomic_xchg(&running, 1) == 0)
		mod_timer(&tick_timer, jiffies + msecs_to_jiffies(period_ms));
}

static void ticker_stop(void)
{
	atomic_set(&running, 0);
	del_timer_sync(&tick_timer); /* also waits for a callback in progress */
	cancel_work_sync(&tick_work);
}

static int ticker_show(struct seq_file *m, void *v)
{
	mutex_lock(&ticker_lock);
	seq_printf(m, "period_ms: %u\n", period_ms);
	seq_printf(m, "running: %s\n", atomic_read(&running) ? "yes" : "no");
	seq_printf(m, "ticks: %d\n", atomic_read(&ticks));
	seq_printf(m, "work_runs: %d\n", atomic_read(&work_runs));
	seq_printf(m, "timer_context: %s\n",
		   atomic_read(&timer_in_softirq) ? "softirq" : "unknown");
	seq_printf(m, "work_context: %s\n",
		   atomic_read(&work_in_process_context) ? "process" : "unknown");
	if (atomic_read(&work_runs))
		seq_printf(m, "last_work_ms_ago: %u\n",
			   jiffies_to_msecs(jiffies - last_work_jiffies));
	mutex_unlock(&ticker_lock);
	return 0;
}

static int ticker_open(struct inode *inode, struct file *file)
{
	return single_open(file, ticker_show, NULL);
}

static ssize_t ticker_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char cmd[16];
	size_t len = min(count, sizeof(cmd) - 1);

	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	strim(cmd);

	mutex_lock(&ticker_lock);
	if (!strcmp(cmd, "start")) {
		ticker_start();
	} else if (!strcmp(cmd, "stop")) {
		mutex_unlock(&ticker_lock); /* the work item takes the lock */
		ticker_stop();
		return count;
	} else if (!strcmp(cmd, "reset")) {
		atomic_set(&ticks, 0);
		atomic_set(&work_runs, 0);
	} else {
		mutex_unlock(&ticker_lock);
		return -EINVAL;
	}
	mutex_unlock(&ticker_lock);
	return count;
}

static const struct proc_ops ticker_ops = {
	.proc_open = ticker_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = ticker_write,
};

static int __init ticker_init(void)
{
	if (period_ms == 0)
		return -EINVAL;
	ticker_wq = alloc_workqueue("ticker", 0, 1);
	if (!ticker_wq)
		return -ENOMEM;
	INIT_WORK(&tick_work, tick_work_fn);
	timer_setup(&tick_timer, tick, 0);
	ticker_entry = proc_create("ticker", 0666, NULL, &ticker_ops);
	if (!ticker_entry) {
		destroy_workqueue(ticker_wq);
		return -ENOMEM;
	}
	ticker_start();
	pr_info("ticker: ticking every %u ms (HZ=%d)\n", period_ms, HZ);
	return 0;
}

static void __exit ticker_exit(void)
{
	proc_remove(ticker_entry);
	ticker_stop();
	destroy_workqueue(ticker_wq);
	pr_info("ticker: stopped after %d ticks\n", atomic_read(&ticks));
}

module_init(ticker_init);
module_exit(ticker_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("A kernel timer that queues work on a workqueue");
