// SPDX-License-Identifier: GPL-2.0
/*
 * fifo: a queue of text lines on a list_head, the seed's queue_item.
 *
 *   lkmctl insmod ./fifo.ko
 *   echo first > MNT/fifo; printf 'second\nthird\n' > MNT/fifo
 *   cat MNT/fifo        # first, second, third: each line is taken off the queue
 *   cat MNT/fifo        # nothing: the queue is empty
 *
 * A write enqueues every line it holds (a last line without a newline counts too); a line
 * longer than QUEUE_LINE_MAX bytes refuses the whole write with EINVAL. A read dequeues as
 * many whole lines, oldest first, as fit in its buffer (a line that does not fit in an
 * empty buffer gives EINVAL); at an empty queue it returns 0 (end of file).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define ENTRY_NAME "fifo"
#define QUEUE_LINE_MAX 255
#define BUFFER_LEN (QUEUE_LINE_MAX + 2) /* the line, its newline, a NUL */

struct queue_item {
	char buffer[BUFFER_LEN]; /* one line, with its newline */
	struct list_head node;
};

static LIST_HEAD(head);
static DEFINE_MUTEX(queue_lock); /* guards head */
static struct proc_dir_entry *proc_entry;

static void free_items(struct list_head *items)
{
	struct queue_item *item, *next;

	list_for_each_entry_safe(item, next, items, node)
	{
		list_del(&item->node);
		kfree(item);
	}
}

static ssize_t fifo_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct queue_item *item;
	size_t done = 0;
	ssize_t ret = 0;

	mutex_lock(&queue_lock);
	while (!list_empty(&head)) {
		size_t len;

		item = list_first_entry(&head, struct queue_item, node);
		len = strlen(item->buffer);
		if (len > count - done) {
			if (done == 0)
				ret = -EINVAL; /* the reader's buffer cannot hold one line */
			break;
		}
		if (copy_to_user(ubuf + done, item->buffer, len)) {
			if (done == 0)
				ret = -EFAULT;
			break;
		}
		done += len;
		list_del(&item->node);
		kfree(item);
	}
	mutex_unlock(&queue_lock);

	if (done == 0)
		return ret;
	*ppos += done;
	return done;
}

static ssize_t fifo_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	LIST_HEAD(lines); /* built aside, then queued at once: all or nothing */
	struct queue_item *item;
	char *data, *line, *rest;

	if (count == 0)
		return 0;
	data = kmalloc(count + 1, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	if (copy_from_user(data, ubuf, count)) {
		kfree(data);
		return -EFAULT;
	}
	data[count] = '\0';

	rest = data;
	while (rest && *rest) {
		line = strsep(&rest, "\n");
		if (strlen(line) > QUEUE_LINE_MAX) {
			pr_warn("line of %zu bytes refused: at most %d per line\n", strlen(line),
				QUEUE_LINE_MAX);
			free_items(&lines);
			kfree(data);
			return -EINVAL;
		}
		item = kmalloc(sizeof(struct queue_item), GFP_KERNEL);
		if (!item) {
			free_items(&lines);
			kfree(data);
			return -ENOMEM;
		}
		snprintf(item->buffer, BUFFER_LEN, "%s\n", line);
		list_add_tail(&item->node, &lines);
	}
	kfree(data);

	mutex_lock(&queue_lock);
	list_splice_tail(&lines, &head);
	mutex_unlock(&queue_lock);

	*ppos += count;
	return count;
}

static const struct proc_ops fifo_ops = {
	.proc_read = fifo_read,
	.proc_write = fifo_write,
};

static int __init fifo_init(void)
{
	proc_entry = proc_create(ENTRY_NAME, 0666, NULL, &fifo_ops);
	if (!proc_entry)
		return -ENOMEM;
	pr_info("entry %s created\n", ENTRY_NAME);
	return 0;
}

static void __exit fifo_exit(void)
{
	remove_proc_entry(ENTRY_NAME, NULL);
	free_items(&head);
	pr_info("entry %s removed\n", ENTRY_NAME);
}

module_init(fifo_init);
module_exit(fifo_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("A FIFO of text lines on a list_head: echo enqueues, cat dequeues");
