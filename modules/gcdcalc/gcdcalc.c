// SPDX-License-Identifier: GPL-2.0
/*
 * gcdcalc: a module that uses another's exported functions (modules/mathlib). Loading it
 * without mathlib fails with "Unknown symbol mathlib_gcd (err -2)", as in Linux.
 *
 *   echo "84 36" > /proc/gcd && cat /proc/gcd    # gcd(84, 36) = 12
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

/* mathlib's exports; a real project would put these in a shared header. */
extern long mathlib_gcd(long a, long b);
extern int mathlib_calls(void);

static DEFINE_MUTEX(gcd_lock);
static long last_a = 1, last_b = 1; /* under gcd_lock */

static int gcd_show(struct seq_file *m, void *v)
{
	long a, b;

	mutex_lock(&gcd_lock);
	a = last_a;
	b = last_b;
	mutex_unlock(&gcd_lock);
	seq_printf(m, "gcd(%ld, %ld) = %ld\n", a, b, mathlib_gcd(a, b));
	seq_printf(m, "mathlib calls: %d\n", mathlib_calls());
	return 0;
}

static int gcd_open(struct inode *inode, struct file *file)
{
	return single_open(file, gcd_show, NULL);
}

static ssize_t gcd_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char buf[64];
	long a, b;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%ld %ld", &a, &b) != 2)
		return -EINVAL;
	mutex_lock(&gcd_lock);
	last_a = a;
	last_b = b;
	mutex_unlock(&gcd_lock);
	return count;
}

static const struct proc_ops gcd_ops = {
	.proc_open = gcd_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = gcd_write,
};

static int __init gcdcalc_init(void)
{
	if (!proc_create("gcd", 0666, NULL, &gcd_ops))
		return -ENOMEM;
	pr_info("gcdcalc: gcd(12, 18) = %ld, by mathlib\n", mathlib_gcd(12, 18));
	return 0;
}

static void __exit gcdcalc_exit(void)
{
	remove_proc_entry("gcd", NULL);
}

module_init(gcdcalc_init);
module_exit(gcdcalc_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("Uses the functions mathlib exports");
