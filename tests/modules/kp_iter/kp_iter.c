// SPDX-License-Identifier: GPL-2.0
/*
 * kp_iter: entries read through proc_read_iter, as Linux 6.1's own /proc files are.
 *   kp_iter_raw   20000 bytes ("line NNNNN\n" x 2000) served by copy_to_iter() from
 *                 iocb->ki_pos, in 100-byte pieces
 *   kp_iter_seq   the same bytes from a seq_file, with .proc_read_iter = seq_read_iter
 *   kp_iter_both  proc_read and proc_read_iter: the iterator wins, as in Linux
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uio.h>
#include <linux/fs.h>

#define LINES 2000
#define LINE_LEN 11 /* "line 00000\n" */

static ssize_t raw_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	loff_t pos = iocb->ki_pos;
	ssize_t total = 0;

	while (iov_iter_count(to) && pos < LINES * LINE_LEN) {
		char line[32];
		size_t from = pos % LINE_LEN;
		size_t n = min_t(size_t, LINE_LEN - from, 100);
		size_t copied;

		snprintf(line, sizeof(line), "line %05lld\n", pos / LINE_LEN);
		copied = copy_to_iter(line + from, n, to);
		pos += copied;
		total += copied;
		if (copied < n) {
			if (!total)
				return -EFAULT;
			break;
		}
	}
	iocb->ki_pos = pos;
	return total;
}

static const struct proc_ops raw_ops = {
	.proc_read_iter = raw_read_iter,
	.proc_lseek = default_llseek,
};

static void *seq_start(struct seq_file *m, loff_t *pos)
{
	return *pos < LINES ? pos : NULL;
}

static void *seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return *pos < LINES ? pos : NULL;
}

static void seq_stop(struct seq_file *m, void *v)
{
}

static int seq_show(struct seq_file *m, void *v)
{
	seq_printf(m, "line %05lld\n", *(loff_t *)v);
	return 0;
}

static const struct seq_operations lines_seq_ops = {
	.start = seq_start,
	.next = seq_next,
	.stop = seq_stop,
	.show = seq_show,
};

static int seq_entry_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &lines_seq_ops);
}

static const struct proc_ops seq_entry_ops = {
	.proc_open = seq_entry_open,
	.proc_read_iter = seq_read_iter,
	.proc_lseek = seq_lseek,
	.proc_release = seq_release,
};

static ssize_t both_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(buf, count, ppos, "read\n", 5);
}

static ssize_t both_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	static const char text[] = "read_iter\n";
	size_t len = sizeof(text) - 1;
	size_t n;

	if (iocb->ki_pos >= len)
		return 0;
	n = copy_to_iter(text + iocb->ki_pos, len - iocb->ki_pos, to);
	iocb->ki_pos += n;
	return n;
}

static const struct proc_ops both_ops = {
	.proc_read = both_read,
	.proc_read_iter = both_read_iter,
};

static int __init kp_iter_init(void)
{
	if (!proc_create("kp_iter_raw", 0444, NULL, &raw_ops) ||
	    !proc_create("kp_iter_seq", 0444, NULL, &seq_entry_ops) ||
	    !proc_create("kp_iter_both", 0444, NULL, &both_ops)) {
		remove_proc_entry("kp_iter_raw", NULL);
		remove_proc_entry("kp_iter_seq", NULL);
		return -ENOMEM;
	}
	return 0;
}

static void __exit kp_iter_exit(void)
{
	remove_proc_entry("kp_iter_raw", NULL);
	remove_proc_entry("kp_iter_seq", NULL);
	remove_proc_entry("kp_iter_both", NULL);
}

module_init(kp_iter_init);
module_exit(kp_iter_exit);
MODULE_LICENSE("GPL");
