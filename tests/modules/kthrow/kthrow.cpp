// SPDX-License-Identifier: GPL-2.0
/*
 * kthrow: a C++ module whose bugs are C++ ones, one per entry under /proc/kthrow/.
 *
 *   at        vector::at() out of range: std::out_of_range escapes the read handler
 *   custom    throws an object that is no std::exception
 *   noexcept  throws through a noexcept function: std::terminate(), then abort()
 *   abort     calls abort()
 *   caught    throws and catches inside the module: nothing to report
 *   ok        works, to show the module survives
 *
 * With throw_in_init=1 init throws. Built with exceptions and RTTI on (see the Makefile);
 * the standard headers come before the kernel's, whose macros (noinline...) they would
 * trip over.
 */
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

static bool throw_in_init;
module_param(throw_in_init, bool, 0444);

static struct proc_dir_entry *dir;

struct not_an_exception {
	int code;
};

static ssize_t reply(char __user *buf, size_t n, loff_t *pos, const char *text, size_t len)
{
	if (*pos >= (loff_t)len)
		return 0;
	if (n > len - *pos)
		n = len - *pos;
	if (copy_to_user(buf, text + *pos, n))
		return -EFAULT;
	*pos += n;
	return n;
}

static noinline int element(size_t i)
{
	std::vector<int> values{ 1, 2, 3 };
	return values.at(i);
}

static ssize_t at_read(struct file *, char __user *, size_t, loff_t *)
{
	return element(7);
}

static ssize_t custom_read(struct file *, char __user *, size_t, loff_t *)
{
	throw not_an_exception{ 42 };
}

static noinline void must_not_throw() noexcept
{
	element(8); /* throws, but this function promised not to */
}

static ssize_t noexcept_read(struct file *, char __user *, size_t, loff_t *)
{
	must_not_throw();
	return 0;
}

static ssize_t abort_read(struct file *, char __user *, size_t, loff_t *)
{
	abort();
}

static ssize_t caught_read(struct file *, char __user *buf, size_t n, loff_t *pos)
{
	try {
		element(9);
	} catch (const std::out_of_range &) {
		return reply(buf, n, pos, "caught\n", 7);
	}
	return -EINVAL;
}

static ssize_t ok_read(struct file *, char __user *buf, size_t n, loff_t *pos)
{
	return reply(buf, n, pos, "still here\n", 11);
}

#define KTHROW_OPS(name) static const struct proc_ops name##_ops = { .proc_read = name##_read }

KTHROW_OPS(at);
KTHROW_OPS(custom);
KTHROW_OPS(noexcept);
KTHROW_OPS(abort);
KTHROW_OPS(caught);
KTHROW_OPS(ok);

static int __init kthrow_init(void)
{
	if (throw_in_init)
		throw std::logic_error("init gave up");
	dir = proc_mkdir("kthrow", NULL);
	if (!dir)
		return -ENOMEM;
	proc_create("at", 0444, dir, &at_ops);
	proc_create("custom", 0444, dir, &custom_ops);
	proc_create("noexcept", 0444, dir, &noexcept_ops);
	proc_create("abort", 0444, dir, &abort_ops);
	proc_create("caught", 0444, dir, &caught_ops);
	proc_create("ok", 0444, dir, &ok_ops);
	return 0;
}

static void __exit kthrow_exit(void)
{
	proc_remove(dir);
}

module_init(kthrow_init);
module_exit(kthrow_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmfs test: C++ exceptions and abort() escaping module code");
