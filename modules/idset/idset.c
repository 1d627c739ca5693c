// SPDX-License-Identifier: GPL-2.0
/*
 * idset: a set of integer ids on a red-black tree, the seed's node_item insert, search
 * and erase.
 *
 *   lkmctl insmod ./idset.ko
 *   echo add 5 > MNT/idset; echo add 3 > MNT/idset; echo add 5 > MNT/idset
 *   cat MNT/idset       # 3 and 5, one per line, in increasing order
 *   echo del 5 > MNT/idset
 *
 * A write is one command: "add ID" (adding a present id changes nothing), "del ID" (an
 * absent id: ENOENT) or "clear". Anything else: EINVAL. A read lists the ids in order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define ENTRY_NAME "idset"
#define COMMAND_MAX 64

struct node_item {
	int id;
	struct rb_node node;
};

static struct rb_root root = RB_ROOT;
static DEFINE_MUTEX(tree_lock); /* guards root */
static struct proc_dir_entry *proc_entry;

/* Inserts target unless it is there; returns its item, or NULL when out of memory. */
static struct node_item *rb_insert_node_item(struct rb_root *tree, int target)
{
	struct rb_node **n = &tree->rb_node;
	struct rb_node *parent = NULL;
	struct node_item *source;
	struct node_item *ans;

	while (*n) {
		parent = *n;
		ans = rb_entry(parent, struct node_item, node);
		if (target < ans->id)
			n = &parent->rb_left;
		else if (target > ans->id)
			n = &parent->rb_right;
		else
			return ans;
	}
	source = kmalloc(sizeof(struct node_item), GFP_KERNEL);
	if (!source)
		return NULL;
	source->id = target;
	/* Insert this new node as a red leaf, then rebalance the tree. */
	rb_link_node(&source->node, parent, n);
	rb_insert_color(&source->node, tree);
	return source;
}

static struct node_item *rb_search_node_item(struct rb_root *tree, int target)
{
	struct rb_node *n = tree->rb_node;
	struct node_item *ans;

	while (n) {
		ans = rb_entry(n, struct node_item, node);
		if (target < ans->id)
			n = n->rb_left;
		else if (target > ans->id)
			n = n->rb_right;
		else
			return ans;
	}
	return NULL;
}

static void rb_erase_node_item(struct rb_node *source, struct rb_root *tree)
{
	struct node_item *target = rb_entry(source, struct node_item, node);

	rb_erase(source, tree);
	kfree(target);
}

static void clear_all(void)
{
	struct node_item *item, *next;

	rbtree_postorder_for_each_entry_safe(item, next, &root, node) kfree(item);
	root = RB_ROOT;
}

static ssize_t idset_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct node_item *ans;
	struct rb_node *n;
	size_t len = 0, size = 64;
	char *text;
	ssize_t ret;

	/* Render the whole listing, then hand out the part at *ppos. */
	mutex_lock(&tree_lock);
	for (n = rb_first(&root); n; n = rb_next(n))
		size += 12;
	text = kmalloc(size, GFP_KERNEL);
	if (!text) {
		mutex_unlock(&tree_lock);
		return -ENOMEM;
	}
	for (n = rb_first(&root); n; n = rb_next(n)) {
		ans = rb_entry(n, struct node_item, node);
		len += scnprintf(text + len, size - len, "%d\n", ans->id);
	}
	mutex_unlock(&tree_lock);

	ret = simple_read_from_buffer(ubuf, count, ppos, text, len);
	kfree(text);
	return ret;
}

static ssize_t idset_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char command[COMMAND_MAX + 1];
	char verb[8];
	struct node_item *item;
	ssize_t ret = count;
	int id;

	if (count > COMMAND_MAX)
		return -EINVAL;
	if (copy_from_user(command, ubuf, count))
		return -EFAULT;
	command[count] = '\0';

	mutex_lock(&tree_lock);
	if (sscanf(command, "%7s %d", verb, &id) == 2 && strcmp(verb, "add") == 0) {
		if (!rb_insert_node_item(&root, id))
			ret = -ENOMEM;
	} else if (sscanf(command, "%7s %d", verb, &id) == 2 && strcmp(verb, "del") == 0) {
		item = rb_search_node_item(&root, id);
		if (item)
			rb_erase_node_item(&item->node, &root);
		else
			ret = -ENOENT;
	} else if (sscanf(command, "%7s", verb) == 1 && strcmp(verb, "clear") == 0) {
		clear_all();
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&tree_lock);
	return ret;
}

static const struct proc_ops idset_ops = {
	.proc_read = idset_read,
	.proc_write = idset_write,
	.proc_lseek = default_llseek,
};

static int __init idset_init(void)
{
	proc_entry = proc_create(ENTRY_NAME, 0666, NULL, &idset_ops);
	if (!proc_entry)
		return -ENOMEM;
	pr_info("entry %s created\n", ENTRY_NAME);
	return 0;
}

static void __exit idset_exit(void)
{
	remove_proc_entry(ENTRY_NAME, NULL);
	clear_all();
	pr_info("entry %s removed\n", ENTRY_NAME);
}

module_init(idset_init);
module_exit(idset_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("A set of integer ids on a red-black tree: echo add/del ID, cat lists them");
