// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: a module that leaks memory from two places, for kmemleak's report at rmmod.
 * Its init allocates a table (kleak_alloc_table) and forgets it. Each write to
 * /proc/kleak keeps a copy of the text as the latest note (kleak_keep_note) but never
 * frees the previous note; exit frees only the latest. So after two writes, rmmod
 * reports the table and the first note, each with the backtrace of its allocation.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define ENTRY_NAME "kleak"

static char *latest_note;
static DEFINE_MUTEX(note_lock);

static noinline int kleak_alloc_table(void)
{
	char *table = kzalloc(64, GFP_KERNEL);

	if (!table)
		return -ENOMEM;
	strscpy(table, "kleak table: never freed", 64);
	return 0; /* the bug: the pointer is dropped here */
}

static noinline int kleak_keep_note(const char __user *ubuf, size_t count)
{
	char *note = kmalloc(count + 1, GFP_KERNEL);

	if (!note)
		return -ENOMEM;
	if (copy_from_user(note, ubuf, count)) {
		kfree(note);
		return -EFAULT;
	}
	note[count] = '\0';
	mutex_lock(&note_lock);
	latest_note = note; /* the bug: the previous note is not freed */
	mutex_unlock(&note_lock);
	return 0;
}

static ssize_t kleak_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	int err;

	if (count > 256)
		return -ENOSPC;
	err = kleak_keep_note(ubuf, count);
	return err ? err : count;
}

static ssize_t kleak_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&note_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, latest_note ? latest_note : "",
				      latest_note ? strlen(latest_note) : 0);
	mutex_unlock(&note_lock);
	return ret;
}

static const struct proc_ops kleak_ops = {
	.proc_read = kleak_read,
	.proc_write = kleak_write,
};

static int __init kleak_init(void)
{
	int err = kleak_alloc_table();

	if (err)
		return err;
	if (!proc_create(ENTRY_NAME, 0666, NULL, &kleak_ops))
		return -ENOMEM;
	return 0;
}

static void __exit kleak_exit(void)
{
	remove_proc_entry(ENTRY_NAME, NULL);
	kfree(latest_note);
}

module_init(kleak_init);
module_exit(kleak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Leaks a table at init and a note on every write but the last");
