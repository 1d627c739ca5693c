// SPDX-License-Identifier: GPL-2.0
/*
 * kd_leftover: a module whose exit forgets to stop what its init started -- a periodic
 * timer, a delayed work item, a workqueue of its own with an item queued behind a busy
 * one, a scheduled (disabled) tasklet and a kthread. The simulated kernel stops each at
 * unload with a warning; Linux would run freed code later. It also leaves a slab cache
 * holding an object and a vmalloc'd buffer: both are reported as leaks, and the cache is
 * destroyed. With stubborn=1 the kthread
 * also ignores kthread_should_stop(), so it cannot be stopped at all.
 * /proc/kd_leftover counts the timer's firings.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static bool stubborn;
module_param(stubborn, bool, 0444);

static struct timer_list periodic;
static struct delayed_work later;
static struct workqueue_struct *own_wq;
static struct work_struct busy_work, queued_work;
static struct tasklet_struct held_tasklet;
static struct task_struct *worker;
static atomic_t fired = ATOMIC_INIT(0);
static struct kmem_cache *cache;

static void periodic_fn(struct timer_list *t)
{
	atomic_inc(&fired);
	mod_timer(t, jiffies + 1);
}

static void later_fn(struct work_struct *work)
{
	pr_info("kd_leftover: the delayed work ran\n");
}

/* Keeps queued_work waiting behind it on the ordered queue until the unload: longer than
 * the test takes from insmod to rmmod even under TSan (about 0.5 s there). */
static void busy_fn(struct work_struct *work)
{
	msleep(1500);
}

static void queued_fn(struct work_struct *work)
{
	pr_info("kd_leftover: the queued work ran\n");
}

static void tasklet_fn(struct tasklet_struct *t)
{
	pr_info("kd_leftover: the tasklet ran\n");
}

static int worker_fn(void *data)
{
	while (stubborn || !kthread_should_stop())
		msleep(10);
	return 0;
}

static int fired_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", atomic_read(&fired));
	return 0;
}

static int __init kd_leftover_init(void)
{
	timer_setup(&periodic, periodic_fn, 0);
	mod_timer(&periodic, jiffies + 1);
	INIT_DELAYED_WORK(&later, later_fn);
	schedule_delayed_work(&later, 60 * HZ);
	own_wq = alloc_ordered_workqueue("kd_leftover_wq", 0);
	if (!own_wq)
		return -ENOMEM;
	INIT_WORK(&busy_work, busy_fn);
	INIT_WORK(&queued_work, queued_fn);
	queue_work(own_wq, &busy_work);
	queue_work(own_wq, &queued_work);
	tasklet_setup(&held_tasklet, tasklet_fn);
	tasklet_disable(&held_tasklet);
	tasklet_schedule(&held_tasklet);
	worker = kthread_run(worker_fn, NULL, "kd_leftover");
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	proc_create_single("kd_leftover", 0444, NULL, fired_show);
	cache = kmem_cache_create("kd_leftover_cache", 48, 0, 0, NULL);
	if (!cache || !kmem_cache_alloc(cache, GFP_KERNEL) || !vmalloc(8192))
		return -ENOMEM;
	return 0;
}

static void __exit kd_leftover_exit(void)
{
	remove_proc_entry("kd_leftover", NULL);
	/* Nothing else: everything started above is left running. */
}

module_init(kd_leftover_init);
module_exit(kd_leftover_exit);
MODULE_LICENSE("GPL");
