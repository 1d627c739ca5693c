// What a handler sees of the call it serves: struct file (f_pos, f_flags, f_mode,
// private_data), struct inode, and `current`.
//
//   kp_pos      the first read on each open file returns one report line:
//                 "pos=P nonblock=N append=A rw=M file=F ino=I imode=O
//                  pid=.. tgid=.. comm=.. uid=.. euid=.. gid=..\n"
//               (P: *f_pos as received; F: a number given by open in private_data);
//               later reads on that file return 0 (end of file). A write logs
//               "kp_pos: write pos=P count=C append=A file=F data=TEXT".
//   kp_posseq   100 bytes "0123456789" x 10 through simple_read_from_buffer.
//
// Init and exit log "kp_pos: init|exit pid=.. comm=.. uid=..": the process that ran lkmctl.
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

struct kp_file {
	unsigned int id;
	unsigned int reads;
};

static unsigned int next_id;

static int kp_open(struct inode *inode, struct file *file)
{
	struct kp_file *state = kzalloc(sizeof(*state), GFP_KERNEL);

	if (!state)
		return -ENOMEM;
	state->id = ++next_id;
	file->private_data = state;
	return 0;
}

static int kp_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t kp_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct kp_file *state = file->private_data;
	struct inode *inode = file_inode(file);
	char line[400];
	int len;

	if (state->reads++ > 0)
		return 0;
	len = snprintf(line, sizeof(line),
		       "pos=%lld nonblock=%d append=%d rw=%u file=%u ino=%lu imode=%o "
		       "pid=%d tgid=%d comm=%s uid=%u euid=%u gid=%u\n",
		       (long long)*ppos, !!(file->f_flags & O_NONBLOCK),
		       !!(file->f_flags & O_APPEND), (unsigned int)(file->f_mode & 3), state->id,
		       inode->i_ino, inode->i_mode, current->pid, current->tgid, current->comm,
		       __kuid_val(current_uid()), __kuid_val(current_euid()),
		       __kgid_val(current_gid()));
	if (len > (int)count)
		return -EINVAL;
	if (copy_to_user(buf, line, len))
		return -EFAULT;
	*ppos += len;
	return len;
}

static ssize_t kp_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	struct kp_file *state = file->private_data;
	char text[64];
	size_t len = min(count, sizeof(text) - 1);

	if (copy_from_user(text, buf, len))
		return -EFAULT;
	text[len] = '\0';
	if (len > 0 && text[len - 1] == '\n')
		text[len - 1] = '\0';
	pr_info("kp_pos: write pos=%lld count=%zu append=%d file=%u data=%s\n", (long long)*ppos,
		count, !!(file->f_flags & O_APPEND), state->id, text);
	*ppos += count;
	return count;
}

static const struct proc_ops kp_ops = {
	.proc_open = kp_open,
	.proc_read = kp_read,
	.proc_write = kp_write,
	.proc_release = kp_release,
};

static const char digits[] = "0123456789012345678901234567890123456789012345678901234567890123"
			     "456789012345678901234567890123456789";

static ssize_t posseq_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(buf, count, ppos, digits, sizeof(digits) - 1);
}

static const struct proc_ops posseq_ops = {
	.proc_read = posseq_read,
};

static void log_current(const char *what)
{
	pr_info("kp_pos: %s pid=%d comm=%s uid=%u\n", what, current->pid, current->comm,
		__kuid_val(current_uid()));
}

static int __init kp_pos_init(void)
{
	if (!proc_create("kp_pos", 0666, NULL, &kp_ops))
		return -ENOMEM;
	if (!proc_create("kp_posseq", 0, NULL, &posseq_ops)) {
		remove_proc_entry("kp_pos", NULL);
		return -ENOMEM;
	}
	log_current("init");
	return 0;
}

static void __exit kp_pos_exit(void)
{
	remove_proc_entry("kp_posseq", NULL);
	remove_proc_entry("kp_pos", NULL);
	log_current("exit");
}

module_init(kp_pos_init);
module_exit(kp_pos_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: what a handler sees of the call and the caller");
