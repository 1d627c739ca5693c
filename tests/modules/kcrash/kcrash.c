// SPDX-License-Identifier: GPL-2.0
/*
 * kcrash: a module with the bugs that oops a kernel, one per entry under /proc/kcrash/.
 * Reading (or writing) an entry runs its bug; "ok" works, to show the module and the
 * daemon survive. With crash_in_init=1 init dereferences NULL, with crash_in_exit=1 exit.
 *
 *   null_read   reads through a NULL pointer       null_write  writes through one
 *   wild        reads an unmapped address           divide      divides by zero
 *   bug         BUG()                               overflow    recurses until the stack ends
 *   timer       (write) arms a timer whose callback dereferences NULL
 *   work        (write) queues a work item that does
 *   locked      takes a spinlock, then dereferences NULL (dies in atomic context)
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

static bool crash_in_init;
module_param(crash_in_init, bool, 0444);
static bool crash_in_exit;
module_param(crash_in_exit, bool, 0444);

/* Opaque to the compiler, so that the faults happen as plain loads and stores. */
static int *volatile null_pointer;
static int *volatile wild_pointer = (int *)0xdead000;
static volatile int zero;
static volatile bool forever = true;

static struct proc_dir_entry *dir;
static struct timer_list crash_timer;
static struct work_struct crash_work;
static DEFINE_SPINLOCK(crash_lock);

static ssize_t null_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return *null_pointer;
}

static ssize_t null_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	*null_pointer = 1;
	return n;
}

static ssize_t wild_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return *wild_pointer;
}

static ssize_t divide_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return 100 / zero;
}

static ssize_t bug_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	BUG();
	return 0;
}

static noinline int recurse(int depth)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	return forever ? recurse(depth + 1) + frame[0] : 0;
}

static ssize_t overflow_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return recurse(0);
}

static ssize_t locked_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	spin_lock(&crash_lock);
	n = *null_pointer;
	spin_unlock(&crash_lock);
	return n;
}

static void crash_timer_fn(struct timer_list *t)
{
	*null_pointer = 2;
}

static void crash_work_fn(struct work_struct *w)
{
	*null_pointer = 3;
}

static ssize_t timer_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	mod_timer(&crash_timer, jiffies + 1);
	return n;
}

static ssize_t work_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	schedule_work(&crash_work);
	return n;
}

static ssize_t ok_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return simple_read_from_buffer(buf, n, pos, "still here\n", 11);
}

#define CRASH_OPS(name, op, fn) static const struct proc_ops name##_ops = { .op = fn }

CRASH_OPS(null_read, proc_read, null_read);
CRASH_OPS(null_write, proc_write, null_write);
CRASH_OPS(wild, proc_read, wild_read);
CRASH_OPS(divide, proc_read, divide_read);
CRASH_OPS(bug, proc_read, bug_read);
CRASH_OPS(overflow, proc_read, overflow_read);
CRASH_OPS(locked, proc_read, locked_read);
CRASH_OPS(timer, proc_write, timer_write);
CRASH_OPS(work, proc_write, work_write);
CRASH_OPS(ok, proc_read, ok_read);

static int __init kcrash_init(void)
{
	if (crash_in_init)
		*null_pointer = 4;
	timer_setup(&crash_timer, crash_timer_fn, 0);
	INIT_WORK(&crash_work, crash_work_fn);
	dir = proc_mkdir("kcrash", NULL);
	if (!dir)
		return -ENOMEM;
	proc_create("null_read", 0444, dir, &null_read_ops);
	proc_create("null_write", 0222, dir, &null_write_ops);
	proc_create("wild", 0444, dir, &wild_ops);
	proc_create("divide", 0444, dir, &divide_ops);
	proc_create("bug", 0444, dir, &bug_ops);
	proc_create("overflow", 0444, dir, &overflow_ops);
	proc_create("locked", 0444, dir, &locked_ops);
	proc_create("timer", 0222, dir, &timer_ops);
	proc_create("work", 0222, dir, &work_ops);
	proc_create("ok", 0444, dir, &ok_ops);
	return 0;
}

static void __exit kcrash_exit(void)
{
	proc_remove(dir);
	del_timer_sync(&crash_timer);
	cancel_work_sync(&crash_work);
	if (crash_in_exit)
		*null_pointer = 5;
}

module_init(kcrash_init);
module_exit(kcrash_exit);
MODULE_LICENSE("GPL");
