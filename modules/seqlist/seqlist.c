// SPDX-License-Identifier: GPL-2.0
/*
 * seqlist: a large listing through seq_file, and two single_open entries.
 *
 *   lkmctl insmod ./seqlist.ko records=100000
 *   head -3 MNT/seqlist          # "# seqlist: 100000 records", then one line per record
 *   cat MNT/seqlist_summary      # records, bytes of the listing, the longest line
 *   echo 42 > MNT/seqlist_marker && cat MNT/seqlist_marker    # marker: 42
 *
 * Each record is one line of varying length; every 25000th is longer than a page, so the
 * seq_file buffer has to grow. However the listing is read -- any read size, any offset --
 * the bytes are the same as those of one whole read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define LONG_LINE 9000 /* bytes of filler in the long records */

static unsigned int records = 100000;
module_param(records, uint, 0444);
MODULE_PARM_DESC(records, "Number of records in the listing (default 100000)");

struct seqlist_rec {
	u32 id;
	u32 hash;
};

static struct seqlist_rec *recs;
static int marker;
static struct proc_dir_entry *dir_list, *dir_summary, *dir_marker;

static bool is_long(u32 id)
{
	return id % 25000 == 12345;
}

static unsigned int filler_len(u32 id)
{
	return is_long(id) ? LONG_LINE : (id * 7) % 29;
}

/* ---- seqlist: the listing, one record per line after a header ---- */

static void *seqlist_start(struct seq_file *m, loff_t *pos)
{
	if (*pos == 0)
		return SEQ_START_TOKEN;
	if (*pos > records)
		return NULL;
	return &recs[*pos - 1];
}

static void *seqlist_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	if (*pos > records)
		return NULL;
	return &recs[*pos - 1];
}

static void seqlist_stop(struct seq_file *m, void *v)
{
}

static int seqlist_show(struct seq_file *m, void *v)
{
	const struct seqlist_rec *r = v;
	unsigned int i, n;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "# seqlist: %u records\n", records);
		return 0;
	}
	seq_printf(m, "%06u %08x ", r->id, r->hash);
	n = filler_len(r->id);
	for (i = 0; i < n; i++)
		seq_putc(m, 'a' + (r->id + i) % 26);
	seq_puts(m, "\n");
	return 0;
}

static const struct seq_operations seqlist_ops = {
	.start = seqlist_start,
	.stop = seqlist_stop,
	.next = seqlist_next,
	.show = seqlist_show,
};

/* ---- seqlist_summary: proc_create_single ---- */

static int summary_show(struct seq_file *m, void *v)
{
	unsigned long long bytes = 0;
	unsigned int longest = 0, len;
	u32 id;

	bytes = snprintf(NULL, 0, "# seqlist: %u records\n", records);
	for (id = 0; id < records; id++) {
		len = snprintf(NULL, 0, "%06u %08x ", recs[id].id, recs[id].hash) + filler_len(id) +
		      1;
		bytes += len;
		longest = max(longest, len);
	}
	seq_printf(m, "records: %u\n", records);
	seq_printf(m, "listing bytes: %llu\n", bytes);
	seq_printf(m, "longest line: %u\n", longest);
	return 0;
}

/* ---- seqlist_marker: single_open with a write handler (sscanf) ---- */

static int marker_show(struct seq_file *m, void *v)
{
	seq_printf(m, "marker: %d\n", marker);
	return 0;
}

static int marker_open(struct inode *inode, struct file *file)
{
	return single_open(file, marker_show, NULL);
}

static ssize_t marker_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char buf[32];
	int value;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%d", &value) != 1)
		return -EINVAL;
	marker = value;
	return count;
}

static const struct proc_ops marker_ops = {
	.proc_open = marker_open,
	.proc_read = seq_read,
	.proc_write = marker_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int __init seqlist_init(void)
{
	u32 id;

	recs = kmalloc_array(records, sizeof(*recs), GFP_KERNEL);
	if (!recs && records)
		return -ENOMEM;
	for (id = 0; id < records; id++) {
		recs[id].id = id;
		recs[id].hash = id * 2654435761u;
	}
	dir_list = proc_create_seq("seqlist", 0444, NULL, &seqlist_ops);
	dir_summary = proc_create_single("seqlist_summary", 0444, NULL, summary_show);
	dir_marker = proc_create("seqlist_marker", 0644, NULL, &marker_ops);
	if (!dir_list || !dir_summary || !dir_marker) {
		proc_remove(dir_list);
		proc_remove(dir_summary);
		proc_remove(dir_marker);
		kfree(recs);
		return -ENOMEM;
	}
	pr_info("%u records\n", records);
	return 0;
}

static void __exit seqlist_exit(void)
{
	proc_remove(dir_marker);
	proc_remove(dir_summary);
	proc_remove(dir_list);
	kfree(recs);
}

module_init(seqlist_init);
module_exit(seqlist_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs");
MODULE_DESCRIPTION("A large seq_file listing and single_open entries");
