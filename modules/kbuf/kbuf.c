// SPDX-License-Identifier: GPL-2.0
/*
 * kbuf: a /proc entry backed by a kmalloc'd buffer.
 *
 *   lkmctl insmod ./kbuf.ko size=64
 *   echo hi > MNT/kbuf && cat MNT/kbuf       # hi
 *   echo there >> MNT/kbuf && cat MNT/kbuf   # hi, there
 *
 * A write at offset 0 replaces the content (as `echo >` expects); a write at a later offset,
 * or any write on a file opened with O_APPEND (`echo >>`), extends it. A write that does not
 * fit in the buffer is refused whole with ENOSPC: the content is never silently cut short.
 *
 * modules/kbuf_cpp is the same module in modern C++, with the SDK's C++ layer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define ENTRY_NAME "kbuf"

static unsigned int size = 4096;
module_param(size, uint, 0444);
MODULE_PARM_DESC(size, "Capacity of the buffer in bytes (default 4096)");

static DEFINE_MUTEX(kbuf_lock); /* guards kbuf and kbuf_len against concurrent calls */
static char *kbuf;		/* size bytes */
static size_t kbuf_len;		/* bytes of kbuf in use */
static struct proc_dir_entry *proc_entry;

static ssize_t kbuf_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&kbuf_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, kbuf, kbuf_len);
	mutex_unlock(&kbuf_lock);
	return ret;
}

static ssize_t kbuf_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	loff_t pos;
	size_t off;
	char *data = NULL;
	ssize_t ret;

	mutex_lock(&kbuf_lock);
	/* procfs passes the file position even under O_APPEND: appending is ours to do. */
	pos = (file->f_flags & O_APPEND) ? (loff_t)kbuf_len : *ppos;
	if (pos < 0) {
		ret = -EINVAL;
		goto out;
	}
	if (count == 0) {
		ret = 0;
		goto out;
	}
	if (pos > size || count > (size_t)(size - pos)) {
		pr_warn("write of %zu bytes at offset %lld refused: the buffer holds %u bytes\n",
			count, pos, size);
		ret = -ENOSPC;
		goto out;
	}
	off = pos;

	/* Copy first, so that a faulting write leaves the content as it was. */
	data = kmalloc(count, GFP_KERNEL);
	if (!data) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_user(data, ubuf, count)) {
		ret = -EFAULT;
		goto out;
	}

	if (off == 0)
		kbuf_len = 0;
	else if (off > kbuf_len)
		memset(kbuf + kbuf_len, 0, off - kbuf_len); /* a gap reads as zeros */
	memcpy(kbuf + off, data, count);
	kbuf_len = max(kbuf_len, off + count);
	*ppos = off + count;
	ret = count;
out:
	mutex_unlock(&kbuf_lock);
	kfree(data);
	return ret;
}

static const struct proc_ops kbuf_ops = {
	.proc_read = kbuf_read,
	.proc_write = kbuf_write,
	.proc_lseek = default_llseek,
};

static int __init kbuf_init(void)
{
	if (size == 0 || size > KMALLOC_MAX_SIZE) {
		pr_err("size=%u is out of range: 1 to %lu bytes\n", size, KMALLOC_MAX_SIZE);
		return -EINVAL;
	}

	kbuf = kmalloc(size, GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;

	proc_entry = proc_create(ENTRY_NAME, 0644, NULL, &kbuf_ops);
	if (!proc_entry) {
		kfree(kbuf);
		return -ENOMEM;
	}

	pr_info("entry %s created, capacity %u bytes\n", ENTRY_NAME, size);
	return 0;
}

static void __exit kbuf_exit(void)
{
	remove_proc_entry(ENTRY_NAME, NULL);
	kfree(kbuf);
	pr_info("entry %s removed\n", ENTRY_NAME);
}

module_init(kbuf_init);
module_exit(kbuf_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("A /proc entry backed by a kmalloc'd buffer of `size` bytes");
