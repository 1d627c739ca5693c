// SPDX-License-Identifier: GPL-2.0
/*
 * waitq: the seed's wait-queue reader. A byte pipe in /proc: a read sleeps until a write
 * brings data, exactly as the seed's reader does (a mutex for the buffer, a wait queue to
 * sleep on, the condition re-checked under the mutex after waking).
 *
 *   lkmctl insmod ./waitq.ko
 *   cat MNT/waitq &            # sleeps
 *   echo hello > MNT/waitq     # the cat prints "hello" (and sleeps again)
 *
 * Ctrl-C on a sleeping reader ends its wait_event_interruptible() with -ERESTARTSYS: the
 * process gets EINTR (or dies of the signal). A write that finds the buffer full takes
 * what fits; with no room at all it fails with ENOSPC.
 *
 * poll/select/epoll wait on the same queue: readable while data waits, writable while
 * there is room. A write wakes the queue for readers, a read for writers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#define ENTRY_NAME "waitq"
#define BUF_SIZE 4096 /* a power of two: positions wrap around it */

static DEFINE_MUTEX(lock);
static DECLARE_WAIT_QUEUE_HEAD(queue);
/* Bytes ever read and written: pos_write - pos_read bytes wait in the buffer. */
static unsigned long pos_read, pos_write;
static char buffer[BUF_SIZE];

static ssize_t waitq_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	size_t n, first;

	mutex_lock(&lock);
	/* check if we already have data to read */
	while (pos_read == pos_write) {
		/* we don't: release the lock so that a writer can add some */
		mutex_unlock(&lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		/*
		 * The condition is tested after joining the queue and before sleeping, so a
		 * write between our unlock and the sleep is not missed.
		 */
		if (wait_event_interruptible(queue, READ_ONCE(pos_read) != READ_ONCE(pos_write)))
			return -ERESTARTSYS;
		/*
		 * Another reader may have emptied the buffer meanwhile: check again under the
		 * lock before reading.
		 */
		mutex_lock(&lock);
	}
	n = min(count, (size_t)(pos_write - pos_read));
	first = min(n, (size_t)(BUF_SIZE - pos_read % BUF_SIZE));
	if (copy_to_user(ubuf, buffer + pos_read % BUF_SIZE, first) ||
	    copy_to_user(ubuf + first, buffer, n - first)) {
		mutex_unlock(&lock);
		return -EFAULT;
	}
	pos_read += n;
	mutex_unlock(&lock);
	wake_up_interruptible(&queue); /* room for writers polling for EPOLLOUT */
	return n;
}

static ssize_t waitq_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	size_t n, first;

	mutex_lock(&lock);
	n = min(count, (size_t)(BUF_SIZE - (pos_write - pos_read)));
	if (n == 0 && count > 0) {
		mutex_unlock(&lock);
		return -ENOSPC;
	}
	first = min(n, (size_t)(BUF_SIZE - pos_write % BUF_SIZE));
	if (copy_from_user(buffer + pos_write % BUF_SIZE, ubuf, first) ||
	    copy_from_user(buffer, ubuf + first, n - first)) {
		mutex_unlock(&lock);
		return -EFAULT;
	}
	WRITE_ONCE(pos_write, pos_write + n);
	mutex_unlock(&lock);
	wake_up_interruptible(&queue);
	return n;
}

static __poll_t waitq_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = 0;

	/* On the queue before looking, so that a write in between is not missed. */
	poll_wait(file, &queue, wait);
	mutex_lock(&lock);
	if (pos_read != pos_write)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (pos_write - pos_read < BUF_SIZE)
		mask |= EPOLLOUT | EPOLLWRNORM;
	mutex_unlock(&lock);
	return mask;
}

static const struct proc_ops waitq_ops = {
	.proc_read = waitq_read,
	.proc_write = waitq_write,
	.proc_poll = waitq_poll,
};

static int __init waitq_init(void)
{
	if (!proc_create(ENTRY_NAME, 0666, NULL, &waitq_ops))
		return -ENOMEM;
	pr_info("entry %s created\n", ENTRY_NAME);
	return 0;
}

static void __exit waitq_exit(void)
{
	remove_proc_entry(ENTRY_NAME, NULL);
	pr_info("entry %s removed\n", ENTRY_NAME);
}

module_init(waitq_init);
module_exit(waitq_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("The seed's wait-queue reader: reads sleep until a write brings data");
