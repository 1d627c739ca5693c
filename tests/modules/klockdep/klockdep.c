// SPDX-License-Identifier: GPL-2.0
/*
 * klockdep: lock and sleep bugs for the debug checks (lockdep, might_sleep, lock misuse).
 * Each entry under /proc/klockdep/ makes one mistake when read, then answers a line:
 *
 *   ab          takes lock_a then lock_b (fine on its own)
 *   ba          takes lock_b then lock_a: after a read of ab, an AB-BA inversion
 *               ("possible circular locking dependency detected"), though no deadlock
 *               happens as long as the two reads do not race
 *   alloc       kmalloc(GFP_KERNEL) under a spin lock ("sleeping function called from
 *               invalid context")
 *   mutex       mutex_lock() with interrupts disabled (spin_lock_irqsave)
 *   unlock      spin_unlock() of a lock nobody holds ("spinlock already unlocked")
 *   handoff     takes a mutex and has a work item release it ("DEBUG_LOCKS_WARN_ON")
 *   recursion   takes a spin lock it holds ("spinlock recursion"); the read never
 *               returns (the call ends as after an oops)
 *   ok          does nothing wrong
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

static struct proc_dir_entry *dir;
static DEFINE_SPINLOCK(lock_a);
static DEFINE_SPINLOCK(lock_b);
static DEFINE_SPINLOCK(alloc_lock);
static DEFINE_SPINLOCK(never_locked);
static DEFINE_SPINLOCK(self_lock);
static DEFINE_MUTEX(config_mutex);
static DEFINE_MUTEX(handoff_mutex);
static struct work_struct release_work;
static int counter;

static ssize_t answer(char __user *buf, size_t n, loff_t *pos, const char *text)
{
	return simple_read_from_buffer(buf, n, pos, text, strlen(text));
}

static ssize_t ab_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	spin_lock(&lock_a);
	spin_lock(&lock_b);
	counter++;
	spin_unlock(&lock_b);
	spin_unlock(&lock_a);
	return answer(buf, n, pos, "ab\n");
}

static ssize_t ba_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	spin_lock(&lock_b);
	spin_lock(&lock_a);
	counter--;
	spin_unlock(&lock_a);
	spin_unlock(&lock_b);
	return answer(buf, n, pos, "ba\n");
}

static ssize_t alloc_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	void *p;

	spin_lock(&alloc_lock);
	p = kmalloc(32, GFP_KERNEL); /* should be GFP_ATOMIC */
	spin_unlock(&alloc_lock);
	kfree(p);
	return answer(buf, n, pos, "alloc\n");
}

static ssize_t mutex_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	unsigned long flags;

	spin_lock_irqsave(&alloc_lock, flags);
	mutex_lock(&config_mutex);
	mutex_unlock(&config_mutex);
	spin_unlock_irqrestore(&alloc_lock, flags);
	return answer(buf, n, pos, "mutex\n");
}

static ssize_t unlock_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	spin_unlock(&never_locked);
	return answer(buf, n, pos, "unlock\n");
}

static void release_fn(struct work_struct *w)
{
	mutex_unlock(&handoff_mutex); /* not the owner */
}

static ssize_t handoff_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	if (*pos == 0) {
		mutex_lock(&handoff_mutex);
		schedule_work(&release_work);
		flush_work(&release_work);
	}
	return answer(buf, n, pos, "handoff\n");
}

static ssize_t recursion_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	spin_lock(&self_lock);
	spin_lock(&self_lock);
	spin_unlock(&self_lock);
	spin_unlock(&self_lock);
	return answer(buf, n, pos, "recursion\n");
}

static ssize_t ok_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return answer(buf, n, pos, "still here\n");
}

#define ENTRY_OPS(name) static const struct proc_ops name##_ops = { .proc_read = name##_read }

ENTRY_OPS(ab);
ENTRY_OPS(ba);
ENTRY_OPS(alloc);
ENTRY_OPS(mutex);
ENTRY_OPS(unlock);
ENTRY_OPS(handoff);
ENTRY_OPS(recursion);
ENTRY_OPS(ok);

static int __init klockdep_init(void)
{
	INIT_WORK(&release_work, release_fn);
	dir = proc_mkdir("klockdep", NULL);
	if (!dir)
		return -ENOMEM;
	proc_create("ab", 0444, dir, &ab_ops);
	proc_create("ba", 0444, dir, &ba_ops);
	proc_create("alloc", 0444, dir, &alloc_ops);
	proc_create("mutex", 0444, dir, &mutex_ops);
	proc_create("unlock", 0444, dir, &unlock_ops);
	proc_create("handoff", 0444, dir, &handoff_ops);
	proc_create("recursion", 0444, dir, &recursion_ops);
	proc_create("ok", 0444, dir, &ok_ops);
	return 0;
}

static void __exit klockdep_exit(void)
{
	proc_remove(dir);
	cancel_work_sync(&release_work);
}

module_init(klockdep_init);
module_exit(klockdep_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lock and sleep bugs for the lock debugging checks");
