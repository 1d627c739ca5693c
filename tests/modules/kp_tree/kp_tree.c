// A /proc tree built with every creation call, and a control entry that creates and removes
// entries at run time, so that tests can watch them appear and vanish through the mount.
//
// At load:
//   kp_file             proc_create, mode 0          -> -r--r--r--, size 0
//   kp_sized            proc_create 0600 + proc_set_size(4096)
//   kp_owned            proc_create + proc_set_user(1234, 5678)
//   kp_dir/             proc_mkdir                   -> dr-xr-xr-x
//   kp_dir/data         proc_create_data, pde_data = "tag-from-pde-data"
//   kp_dir/sub/leaf     a subdirectory, for st_nlink
//   kp_dir/{B,a,z,ab,bb,ccc}  names to check the listing order (length, then bytes)
//   kp_private/         proc_mkdir_mode 0700
//   kp_link             proc_symlink -> "kp_dir/data"
//   kp_counter          every read call reaching the handler counts: "N\n" at offset 0
//   kp_tree_ctl         write a command (below); the result goes to the kernel log
//
// Commands ("kp_tree: CMD ARGS -> RESULT" is logged for each):
//   create PATH [MODE]  proc_create_data(PATH, MODE (octal, default 0), NULL), pde_data = PATH
//   mkdir PATH          proc_mkdir(PATH, NULL)
//   symlink PATH DEST   proc_symlink(PATH, NULL, DEST)
//   dircreate PATH      proc_create_data(PATH, S_IFDIR | 0555, ...): must be refused
//   remove PATH         remove_proc_entry(PATH, NULL)
//   subtree PATH        remove_proc_subtree(PATH, NULL); logs its return value
//   premove PATH        proc_remove() on the pointer a create/mkdir of PATH returned
//   size PATH N         proc_set_size() on that pointer
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/uaccess.h>

#define MAX_CREATED 32

struct created {
	struct proc_dir_entry *de;
	char *name; /* also the entry's pde_data */
};

static struct created created[MAX_CREATED];
static unsigned long counter_calls;
static char pde_tag[] = "tag-from-pde-data";

static ssize_t data_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	const char *data = pde_data(file_inode(file));
	char line[300];
	int len = snprintf(line, sizeof(line), "pde_data=%s\n", data ? data : "(null)");

	return simple_read_from_buffer(buf, count, ppos, line, len);
}

static const struct proc_ops data_ops = {
	.proc_read = data_read,
};

static ssize_t counter_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	unsigned long calls = __atomic_add_fetch(&counter_calls, 1, __ATOMIC_SEQ_CST);
	char line[32];
	int len = snprintf(line, sizeof(line), "%lu\n", calls);

	return simple_read_from_buffer(buf, count, ppos, line, len);
}

static const struct proc_ops counter_ops = {
	.proc_read = counter_read,
};

static struct created *find_created(const char *name)
{
	int i;

	for (i = 0; i < MAX_CREATED; i++)
		if (created[i].name && strcmp(created[i].name, name) == 0)
			return &created[i];
	return NULL;
}

static void forget_created(struct created *c)
{
	kfree(c->name);
	c->name = NULL;
	c->de = NULL;
}

/* Forgets NAME and whatever was created below it (removed with it). */
static void forget_below(const char *name)
{
	char path[128];
	size_t len;
	int i;

	strscpy(path, name, sizeof(path)); /* name may be one of those freed */
	len = strlen(path);
	for (i = 0; i < MAX_CREATED; i++)
		if (created[i].name && strncmp(created[i].name, path, len) == 0 &&
		    (created[i].name[len] == '\0' || created[i].name[len] == '/'))
			forget_created(&created[i]);
}

static void remember(const char *name, struct proc_dir_entry *de, char *data)
{
	int i;

	for (i = 0; i < MAX_CREATED; i++) {
		if (!created[i].name) {
			created[i].name = data;
			created[i].de = de;
			return;
		}
	}
	kfree(data);
	pr_warn("kp_tree: no room to remember %s\n", name);
}

static void run_command(const char *cmd, const char *a, const char *b)
{
	struct proc_dir_entry *de;
	struct created *c;
	char *data;

	if (strcmp(cmd, "create") == 0 || strcmp(cmd, "dircreate") == 0) {
		umode_t mode = 0;

		if (strcmp(cmd, "dircreate") == 0)
			mode = S_IFDIR | 0555;
		else if (b[0] && kstrtou16(b, 8, &mode))
			mode = 0;
		data = kstrdup(a, GFP_KERNEL);
		de = proc_create_data(a, mode, NULL, &data_ops, data);
		pr_info("kp_tree: %s %s -> %s\n", cmd, a, de ? "ok" : "NULL");
		if (de)
			remember(a, de, data);
		else
			kfree(data);
	} else if (strcmp(cmd, "mkdir") == 0) {
		de = proc_mkdir(a, NULL);
		pr_info("kp_tree: mkdir %s -> %s\n", a, de ? "ok" : "NULL");
		if (de)
			remember(a, de, kstrdup(a, GFP_KERNEL));
	} else if (strcmp(cmd, "symlink") == 0) {
		de = proc_symlink(a, NULL, b);
		pr_info("kp_tree: symlink %s -> %s\n", a, de ? "ok" : "NULL");
	} else if (strcmp(cmd, "remove") == 0) {
		remove_proc_entry(a, NULL);
		pr_info("kp_tree: remove %s -> done\n", a);
		forget_below(a);
	} else if (strcmp(cmd, "subtree") == 0) {
		int ret = remove_proc_subtree(a, NULL);

		pr_info("kp_tree: subtree %s -> %d\n", a, ret);
		if (ret == 0)
			forget_below(a);
	} else if (strcmp(cmd, "premove") == 0) {
		c = find_created(a);
		pr_info("kp_tree: premove %s -> %s\n", a, c ? "done" : "unknown");
		if (c) {
			proc_remove(c->de);
			forget_below(a);
		}
	} else if (strcmp(cmd, "size") == 0) {
		long long size = 0;

		c = find_created(a);
		if (c && kstrtoll(b, 10, &size) == 0)
			proc_set_size(c->de, size);
		pr_info("kp_tree: size %s -> %s\n", a, c ? "done" : "unknown");
	} else {
		pr_info("kp_tree: unknown command '%s'\n", cmd);
	}
}

static ssize_t ctl_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	char line[256], cmd[16], a[128], b[128];
	size_t len = min(count, sizeof(line) - 1);

	if (copy_from_user(line, buf, len))
		return -EFAULT;
	line[len] = '\0';
	cmd[0] = a[0] = b[0] = '\0';
	if (sscanf(line, "%15s %127s %127s", cmd, a, b) < 2)
		return -EINVAL;
	run_command(cmd, a, b);
	return count;
}

static const struct proc_ops ctl_ops = {
	.proc_write = ctl_write,
};

static int __init kp_tree_init(void)
{
	static const char *const order_names[] = { "bb", "a", "ccc", "B", "ab", "z" };
	struct proc_dir_entry *de, *dir, *sub;
	size_t i;

	proc_create("kp_file", 0, NULL, &data_ops);
	de = proc_create("kp_sized", 0600, NULL, &data_ops);
	proc_set_size(de, 4096);
	de = proc_create("kp_owned", 0, NULL, &data_ops);
	proc_set_user(de, KUIDT_INIT(1234), KGIDT_INIT(5678));

	dir = proc_mkdir("kp_dir", NULL);
	proc_create_data("data", 0644, dir, &data_ops, pde_tag);
	sub = proc_mkdir("sub", dir);
	proc_create("leaf", 0, sub, &data_ops);
	for (i = 0; i < ARRAY_SIZE(order_names); i++)
		proc_create(order_names[i], 0, dir, &data_ops);

	proc_mkdir_mode("kp_private", 0700, NULL);
	proc_symlink("kp_link", NULL, "kp_dir/data");
	proc_create("kp_counter", 0, NULL, &counter_ops);
	if (!proc_create("kp_tree_ctl", 0200, NULL, &ctl_ops))
		return -ENOMEM;
	pr_info("kp_tree: loaded\n");
	return 0;
}

static void __exit kp_tree_exit(void)
{
	int i;

	/* Entries created at run time first: their pde_data is freed with them. */
	for (i = 0; i < MAX_CREATED; i++) {
		if (created[i].name) {
			proc_remove(created[i].de);
			forget_below(created[i].name);
		}
	}
	remove_proc_subtree("kp_dir", NULL);
	remove_proc_entry("kp_private", NULL);
	remove_proc_entry("kp_link", NULL);
	remove_proc_entry("kp_counter", NULL);
	remove_proc_entry("kp_tree_ctl", NULL);
	remove_proc_entry("kp_owned", NULL);
	remove_proc_entry("kp_sized", NULL);
	remove_proc_entry("kp_file", NULL);
	pr_info("kp_tree: unloaded\n");
}

module_init(kp_tree_init);
module_exit(kp_tree_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: proc tree creation, removal and attributes");
