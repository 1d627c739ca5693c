// SPDX-License-Identifier: GPL-2.0
/*
 * counters: one count kept three ways, for concurrent writers to hammer.
 *
 *   lkmctl insmod ./counters.ko
 *   echo 1000 > MNT/counters/spin     # adds 1, a thousand times, each under spin_lock
 *   cat MNT/counters/spin             # 1000
 *
 * counters/atomic counts with atomic_inc(), counters/spin with a plain long under a
 * spinlock, counters/rw with a plain long under the write side of an rwlock (reads take
 * the read side). With many writers at once, each file must show the exact total; drop a
 * lock and updates get lost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/proc_fs.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#define MAX_STEPS 10000000u

enum counter_kind { COUNTER_ATOMIC, COUNTER_SPIN, COUNTER_RW };

static atomic_t atomic_count = ATOMIC_INIT(0);

static DEFINE_SPINLOCK(spin_count_lock);
static long spin_count;

static DEFINE_RWLOCK(rw_count_lock);
static long rw_count;

static struct proc_dir_entry *dir;

static void add_one(enum counter_kind kind)
{
	unsigned long flags;

	switch (kind) {
	case COUNTER_ATOMIC:
		atomic_inc(&atomic_count);
		break;
	case COUNTER_SPIN:
		spin_lock_irqsave(&spin_count_lock, flags);
		spin_count++;
		spin_unlock_irqrestore(&spin_count_lock, flags);
		break;
	case COUNTER_RW:
		write_lock(&rw_count_lock);
		rw_count++;
		write_unlock(&rw_count_lock);
		break;
	}
}

static long value_of(enum counter_kind kind)
{
	long value = 0;

	switch (kind) {
	case COUNTER_ATOMIC:
		value = atomic_read(&atomic_count);
		break;
	case COUNTER_SPIN:
		spin_lock(&spin_count_lock);
		value = spin_count;
		spin_unlock(&spin_count_lock);
		break;
	case COUNTER_RW:
		read_lock(&rw_count_lock);
		value = rw_count;
		read_unlock(&rw_count_lock);
		break;
	}
	return value;
}

static enum counter_kind kind_of(struct file *file)
{
	return (enum counter_kind)(uintptr_t)pde_data(file_inode(file));
}

static ssize_t counter_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	char text[32];
	int len = scnprintf(text, sizeof(text), "%ld\n", value_of(kind_of(file)));

	return simple_read_from_buffer(ubuf, count, ppos, text, len);
}

/* Writing N adds 1 to the counter N times, one locked increment at a time. */
static ssize_t counter_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	enum counter_kind kind = kind_of(file);
	unsigned int steps, i;
	int err;

	err = kstrtouint_from_user(ubuf, count, 10, &steps);
	if (err)
		return err;
	if (steps > MAX_STEPS)
		return -EINVAL;
	for (i = 0; i < steps; i++)
		add_one(kind);
	return count;
}

static const struct proc_ops counter_ops = {
	.proc_read = counter_read,
	.proc_write = counter_write,
};

static int __init counters_init(void)
{
	static const char *const names[] = { "atomic", "spin", "rw" };
	unsigned int i;

	dir = proc_mkdir("counters", NULL);
	if (!dir)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!proc_create_data(names[i], 0666, dir, &counter_ops, (void *)(uintptr_t)i)) {
			proc_remove(dir);
			return -ENOMEM;
		}
	}
	pr_info("counters/{atomic,spin,rw} created\n");
	return 0;
}

static void __exit counters_exit(void)
{
	proc_remove(dir);
	pr_info("removed; final counts %d %ld %ld\n", atomic_read(&atomic_count), spin_count,
		rw_count);
}

module_init(counters_init);
module_exit(counters_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("Counters under atomic_t, a spinlock and an rwlock, for concurrent writers");
