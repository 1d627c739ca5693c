// printk as stored in the kernel log: at load, one message per level, a message without a
// level, one with KERN_DEFAULT, and a line assembled from a KERN_CONT continuation. A write
// to MNT/kp_printk logs "kp_printk: TEXT" at KERN_INFO, so tests can add a record on demand;
// "nonl:TEXT" logs "kp_printk: TEXT" without a newline (the line stays open) and
// "cont:TEXT" continues it with pr_cont("TEXT\n").
#define DEBUG /* keep pr_debug */
#define pr_fmt(fmt) "kp_printk: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

static ssize_t kp_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	char text[128];
	size_t len = min(count, sizeof(text) - 1);

	if (copy_from_user(text, buf, len))
		return -EFAULT;
	text[len] = '\0';
	if (len > 0 && text[len - 1] == '\n')
		text[len - 1] = '\0';
	if (strncmp(text, "nonl:", 5) == 0)
		pr_info("%s", text + 5); /* a line left open */
	else if (strncmp(text, "cont:", 5) == 0)
		pr_cont("%s\n", text + 5); /* ... and its end */
	else
		pr_info("%s\n", text);
	return count;
}

static const struct proc_ops kp_printk_ops = {
	.proc_write = kp_write,
};

static int __init kp_printk_init(void)
{
	pr_emerg("level emerg\n");
	pr_alert("level alert\n");
	pr_crit("level crit\n");
	pr_err("level err\n");
	pr_warn("level warning\n");
	pr_notice("level notice\n");
	pr_info("level info\n");
	pr_debug("level debug\n");
	printk("kp_printk without a level\n");
	printk(KERN_DEFAULT "kp_printk with KERN_DEFAULT\n");
	pr_info("first half,");
	pr_cont(" second half\n");
	if (!proc_create("kp_printk", 0222, NULL, &kp_printk_ops))
		return -ENOMEM;
	return 0;
}

static void __exit kp_printk_exit(void)
{
	remove_proc_entry("kp_printk", NULL);
}

module_init(kp_printk_init);
module_exit(kp_printk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: printk levels and continuations");
