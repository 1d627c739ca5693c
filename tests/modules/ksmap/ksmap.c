// SPDX-License-Identifier: GPL-2.0
/*
 * ksmap: handlers that touch the caller's buffer directly instead of through the user-copy
 * functions. In Linux with SMAP each is an oops ("#PF: supervisor ... access in kernel
 * mode"); the sandbox must report it the same way. Entries under /proc/ksmap/:
 *
 *   direct_read   (read)  stores into buf[0]
 *   direct_write  (write) loads buf[0]
 *   direct_iter   (read)  stores through the iov_iter's user buffer
 *   ioctl         KSMAP_PEEK dereferences its arg; KSMAP_INC reads and writes it with
 *                 get_user/put_user, as it should
 *   copy          (read/write) keeps up to 64 bytes through copy_from_user and
 *                 simple_read_from_buffer: the right way, which must keep working
 *   edge          (read) copies 8 bytes to the last 4 of the buffer: copy_to_user copies
 *                 4, reports 4 not copied, and the read fails with EFAULT
 *   stream        (read) stream_mib MiB of a pattern through copy_to_user, for
 *                 throughput measurements
 *   ok            (read) "still here\n"
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/ioctl.h>

#define KSMAP_PEEK _IOW('s', 1, int)
#define KSMAP_INC _IOWR('s', 2, int)

static unsigned int stream_mib = 256;
module_param(stream_mib, uint, 0444);

static struct proc_dir_entry *dir;
static char kept[64];
static size_t kept_len;
static char pattern[4096];

static ssize_t direct_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	buf[0] = 'x'; /* the bug: a store to user memory without copy_to_user */
	return 1;
}

static ssize_t direct_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	char first = buf[0]; /* the bug: a load from user memory without copy_from_user */

	pr_info("ksmap: first byte %c\n", first);
	return n;
}

static ssize_t direct_iter(struct kiocb *iocb, struct iov_iter *to)
{
	char __user *ubuf = to->ubuf; /* the bug: the iterator's buffer is user memory */

	ubuf[0] = 'x';
	return 1;
}

static long ksmap_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	int __user *uarg = (int __user *)arg;
	int value;

	switch (cmd) {
	case KSMAP_PEEK:
		value = *uarg; /* the bug: arg is a user pointer */
		pr_info("ksmap: peeked %d\n", value);
		return 0;
	case KSMAP_INC:
		if (get_user(value, uarg))
			return -EFAULT;
		return put_user(value + 1, uarg);
	default:
		return -ENOTTY;
	}
}

static ssize_t copy_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return simple_read_from_buffer(buf, n, pos, kept, kept_len);
}

static ssize_t copy_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	if (n > sizeof(kept))
		return -EINVAL;
	if (copy_from_user(kept, buf, n))
		return -EFAULT;
	kept_len = n;
	return n;
}

static ssize_t edge_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	unsigned long left;

	if (n < 4)
		return -EINVAL;
	left = copy_to_user(buf + n - 4, "ABCDEFGH", 8);
	pr_info("ksmap: edge: %lu of 8 bytes not copied\n", left);
	return left ? -EFAULT : 8;
}

static ssize_t stream_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	loff_t end = (loff_t)stream_mib << 20;
	size_t done = 0;

	if (*pos >= end)
		return 0;
	n = min_t(loff_t, n, end - *pos);
	while (done < n) {
		size_t piece = min(n - done, sizeof(pattern));

		if (copy_to_user(buf + done, pattern, piece))
			break;
		done += piece;
	}
	if (!done)
		return -EFAULT;
	*pos += done;
	return done;
}

static ssize_t ok_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	return simple_read_from_buffer(buf, n, pos, "still here\n", 11);
}

static const struct proc_ops direct_read_ops = { .proc_read = direct_read };
static const struct proc_ops direct_write_ops = { .proc_write = direct_write };
static const struct proc_ops direct_iter_ops = { .proc_read_iter = direct_iter };
static const struct proc_ops ioctl_ops = { .proc_ioctl = ksmap_ioctl };
static const struct proc_ops copy_ops = { .proc_read = copy_read, .proc_write = copy_write };
static const struct proc_ops edge_ops = { .proc_read = edge_read };
static const struct proc_ops stream_ops = { .proc_read = stream_read };
static const struct proc_ops ok_ops = { .proc_read = ok_read };

static int __init ksmap_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = 'a' + i % 26;
	dir = proc_mkdir("ksmap", NULL);
	if (!dir)
		return -ENOMEM;
	proc_create("direct_read", 0444, dir, &direct_read_ops);
	proc_create("direct_write", 0222, dir, &direct_write_ops);
	proc_create("direct_iter", 0444, dir, &direct_iter_ops);
	proc_create("ioctl", 0666, dir, &ioctl_ops);
	proc_create("copy", 0666, dir, &copy_ops);
	proc_create("edge", 0444, dir, &edge_ops);
	proc_create("stream", 0444, dir, &stream_ops);
	proc_create("ok", 0444, dir, &ok_ops);
	return 0;
}

static void __exit ksmap_exit(void)
{
	proc_remove(dir);
}

module_init(ksmap_init);
module_exit(ksmap_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: direct accesses to user memory (SMAP)");
