// An entry with proc_ioctl and restricted (_IOR/_IOW/_IOWR) commands:
//   KP_GET  _IOR('k', 1, int)   copies the stored value out (put_user)
//   KP_SET  _IOW('k', 2, int)   stores a value (get_user)
//   KP_ADD  _IOWR('k', 3, int)  adds the stored value to the argument and copies it back
//   KP_PING _IO('k', 4)         returns 42
//   KP_DENY _IO('k', 5)         returns -EPERM
// Anything else: -ENOTTY.
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/ioctl.h>

#define KP_GET _IOR('k', 1, int)
#define KP_SET _IOW('k', 2, int)
#define KP_ADD _IOWR('k', 3, int)
#define KP_PING _IO('k', 4)
#define KP_DENY _IO('k', 5)

static int stored = 7;

static long kp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	int __user *uarg = (int __user *)arg;
	int value;

	switch (cmd) {
	case KP_GET:
		return put_user(stored, uarg);
	case KP_SET:
		if (get_user(value, uarg))
			return -EFAULT;
		stored = value;
		pr_info("kp_ioctl: set %d\n", value);
		return 0;
	case KP_ADD:
		if (get_user(value, uarg))
			return -EFAULT;
		return put_user(value + stored, uarg);
	case KP_PING:
		return 42;
	case KP_DENY:
		return -EPERM;
	default:
		return -ENOTTY;
	}
}

static const struct proc_ops kp_ioctl_ops = {
	.proc_ioctl = kp_ioctl,
};

static int __init kp_ioctl_init(void)
{
	if (!proc_create("kp_ioctl", 0666, NULL, &kp_ioctl_ops))
		return -ENOMEM;
	return 0;
}

static void __exit kp_ioctl_exit(void)
{
	remove_proc_entry("kp_ioctl", NULL);
}

module_init(kp_ioctl_init);
module_exit(kp_ioctl_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: restricted ioctls");
