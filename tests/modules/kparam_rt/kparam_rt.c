// SPDX-License-Identifier: GPL-2.0
/* kparam_rt: parameters read and set at run time (lkmctl param).
 *
 *   count   int       0644  default 7
 *   label   charp     0444  default "initial" (read-only)
 *   secret  int       0     default 42 (hidden: not listed, not readable, not settable)
 *   list    int array 0644  default 1,2,3 (count 3)
 *   flag    bool      0600  default N (readable by root and the daemon's owner only)
 *   note    charp     0644  default "none" (a set value is kmalloc'd, the module's)
 *   tuned   int, own ops (module_param_cb) 0644: its setter rejects negative values
 *           with -ERANGE
 *
 * Reading MNT/kparam_rt returns what the module's variables hold now, one line:
 *   "count=C label=L secret=S list=A,B,... flag=F note=N tuned=T\n"
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/fs.h>

static int count = 7;
static char *label = "initial";
static int secret = 42;
static int list[4] = { 1, 2, 3, 0 };
static unsigned int list_count = 3;
static bool flag;
static char *note = "none";
static int tuned = 5;

module_param(count, int, 0644);
MODULE_PARM_DESC(count, "an int anyone may read and root may set");
module_param(label, charp, 0444);
module_param(secret, int, 0);
module_param_array(list, int, &list_count, 0644);
module_param_named(flag, flag, bool, 0600);
module_param(note, charp, 0644);

static int tuned_set(const char *val, const struct kernel_param *kp)
{
	int value;
	int err = kstrtoint(val, 0, &value);

	if (err)
		return err;
	if (value < 0)
		return -ERANGE;
	*(int *)kp->arg = value;
	return 0;
}

static int tuned_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, 4096, "%d\n", *(int *)kp->arg);
}

static const struct kernel_param_ops tuned_ops = {
	.set = tuned_set,
	.get = tuned_get,
};
module_param_cb(tuned, &tuned_ops, &tuned, 0644);

static ssize_t kparam_rt_read(struct file *file, char __user *buf, size_t size, loff_t *ppos)
{
	char line[512];
	int len;
	unsigned int i;

	len = scnprintf(line, sizeof(line), "count=%d label=%s secret=%d list=", count,
			label ? label : "(null)", secret);
	for (i = 0; i < list_count; i++)
		len += scnprintf(line + len, sizeof(line) - len, "%s%d", i ? "," : "", list[i]);
	len += scnprintf(line + len, sizeof(line) - len, " flag=%c note=%s tuned=%d\n",
			 flag ? 'Y' : 'N', note ? note : "(null)", tuned);
	return simple_read_from_buffer(buf, size, ppos, line, len);
}

static const struct proc_ops kparam_rt_ops = {
	.proc_read = kparam_rt_read,
};

static int __init kparam_rt_init(void)
{
	if (!proc_create("kparam_rt", 0444, NULL, &kparam_rt_ops))
		return -ENOMEM;
	return 0;
}

static void __exit kparam_rt_exit(void)
{
	remove_proc_entry("kparam_rt", NULL);
}

module_init(kparam_rt_init);
module_exit(kparam_rt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: module parameters at run time");
