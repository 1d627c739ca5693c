// SPDX-License-Identifier: GPL-2.0
/*
 * ku_copy: one /proc entry per user-copy scenario. Each read or write handler aims copies
 * at ranges inside, partly outside and fully outside the caller's buffer and logs what
 * the copy functions returned ("ku_copy: SCENARIO ..."), so a test can compare the values
 * with Linux's and check what reached the caller.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

enum scenario {
	TO_INSIDE,
	TO_OVER,
	TO_TAIL,
	TO_OUTSIDE,
	CLEAR,
	PUT,
	ACCESS,
	FROM,
	GET,
	STRNCPY,
	SWB,
};

static const char *const names[] = {
	[TO_INSIDE] = "ku_to_inside",	[TO_OVER] = "ku_to_over", [TO_TAIL] = "ku_to_tail",
	[TO_OUTSIDE] = "ku_to_outside", [CLEAR] = "ku_clear",	  [PUT] = "ku_put",
	[ACCESS] = "ku_access",		[FROM] = "ku_from",	  [GET] = "ku_get",
	[STRNCPY] = "ku_strncpy",	[SWB] = "ku_swb",
};

#define MAX_COUNT 64

static char pattern[2 * MAX_COUNT]; /* "ABC...ZABC..." */
static char filler[MAX_COUNT];
static char store[16]; /* ku_swb's contents */
static size_t store_len;

static enum scenario scenario_of(struct file *file)
{
	return (enum scenario)(unsigned long)file->private_data;
}

static int ku_open(struct inode *inode, struct file *file)
{
	file->private_data = pde_data(inode);
	return 0;
}

/* Fills the caller's whole buffer with `c`, so that what a copy changed shows. */
static void fill(char __user *buf, size_t count, char c)
{
	memset(filler, c, sizeof(filler));
	if (copy_to_user(buf, filler, count))
		pr_err("ku_copy: fill failed\n");
}

static ssize_t ku_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	unsigned long r1, r2, r3;
	int e1, e2, e3;
	u32 word = 0x44434241; /* "ABCD" in memory */
	const char *name = names[scenario_of(file)];

	if (scenario_of(file) == SWB)
		return simple_read_from_buffer(buf, count, ppos, store, store_len);
	if (count > MAX_COUNT)
		return -EINVAL;
	switch (scenario_of(file)) {
	case TO_INSIDE:
		r1 = copy_to_user(buf, pattern, count);
		pr_info("ku_copy: %s count=%zu ret=%lu\n", name, count, r1);
		return count - r1;
	case TO_OVER:
		r1 = copy_to_user(buf, pattern, count + 8);
		pr_info("ku_copy: %s count=%zu ret=%lu\n", name, count, r1);
		return count;
	case TO_TAIL:
		fill(buf, count, '.');
		r1 = copy_to_user(buf + count - 4, pattern, 8);
		pr_info("ku_copy: %s count=%zu ret=%lu\n", name, count, r1);
		return count;
	case TO_OUTSIDE:
		fill(buf, count, 'o');
		r1 = copy_to_user(buf + count, pattern, 4);
		r2 = copy_to_user(buf - 4, pattern, 4);
		r3 = copy_to_user(buf - 4, pattern, 8);
		pr_info("ku_copy: %s after=%lu before=%lu straddling=%lu\n", name, r1, r2, r3);
		return count;
	case CLEAR:
		fill(buf, count, 'x');
		r1 = clear_user(buf + count / 2, count);
		r2 = clear_user(buf + count, 4);
		pr_info("ku_copy: %s count=%zu half=%lu after=%lu\n", name, count, r1, r2);
		return count;
	case PUT:
		fill(buf, count, '.');
		e1 = put_user(word, (u32 __user *)buf);
		e2 = put_user(word, (u32 __user *)(buf + count - 2));
		e3 = put_user('!', buf + count);
		pr_info("ku_copy: %s inside=%d straddling=%d after=%d\n", name, e1, e2, e3);
		return count;
	case ACCESS:
		/* access_ok() is a long on Linux (likely()): !! makes it an int for %d. */
		pr_info("ku_copy: %s inside=%d empty=%d over=%d after=%d kernel=%d\n", name,
			!!access_ok(buf, count), !!access_ok(buf, 0), !!access_ok(buf, count + 1),
			!!access_ok(buf + count, 1), !!access_ok(store, 1));
		return 0;
	default:
		return -EIO;
	}
}

static ssize_t ku_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	char kbuf[MAX_COUNT + 8];
	unsigned long r1, r2, r3, r4;
	long n1, n2, n3;
	u32 v1 = 1, v2 = 0xdeadbeef;
	char c = 'c';
	bool zeroed = true;
	size_t k;
	const char *name = names[scenario_of(file)];

	if (scenario_of(file) == SWB) {
		loff_t pos = *ppos;
		ssize_t ret = simple_write_to_buffer(store, sizeof(store), ppos, buf, count);

		pr_info("ku_copy: %s pos=%lld count=%zu ret=%zd\n", name, pos, count, ret);
		if (ret > 0 && (size_t)*ppos > store_len)
			store_len = *ppos;
		return ret;
	}
	if (count > MAX_COUNT)
		return -EINVAL;
	memset(kbuf, 'Z', sizeof(kbuf));
	switch (scenario_of(file)) {
	case FROM:
		r1 = copy_from_user(kbuf, buf, count + 8);
		for (k = count; k < count + 8; ++k)
			zeroed = zeroed && kbuf[k] == 0;
		r2 = copy_from_user(kbuf + count, buf + count, 4);
		r3 = copy_from_user(kbuf + count, buf - 4, 4);
		r4 = copy_from_user(kbuf, buf, count);
		pr_info("ku_copy: %s count=%zu over=%lu tail_zeroed=%d after=%lu before=%lu "
			"inside=%lu data=[%.*s]\n",
			name, count, r1, zeroed, r2, r3, r4, (int)count, kbuf);
		return count;
	case GET:
		n1 = get_user(v1, (const u32 __user *)buf);
		n2 = get_user(v2, (const u32 __user *)(buf + count - 2));
		n3 = get_user(c, buf + count);
		pr_info("ku_copy: %s inside=%ld v=%#x straddling=%ld v=%#x after=%ld c=%d\n", name,
			n1, v1, n2, v2, n3, c);
		return count;
	case STRNCPY:
		n1 = strncpy_from_user(kbuf, buf, MAX_COUNT);
		pr_info("ku_copy: %s whole=%ld str=[%s]\n", name, n1,
			n1 >= 0 && n1 < MAX_COUNT ? kbuf : "");
		n2 = strncpy_from_user(kbuf, buf, 2);
		n3 = strncpy_from_user(kbuf + 2, buf + count, 8);
		pr_info("ku_copy: %s short=%ld first=[%.2s] after=%ld\n", name, n2, kbuf, n3);
		return count;
	default:
		return -EIO;
	}
}

static const struct proc_ops ku_ops = {
	.proc_open = ku_open,
	.proc_read = ku_read,
	.proc_write = ku_write,
};

static int __init ku_copy_init(void)
{
	size_t k;

	for (k = 0; k < sizeof(pattern); ++k)
		pattern[k] = 'A' + k % 26;
	for (k = 0; k < ARRAY_SIZE(names); ++k)
		if (!proc_create_data(names[k], 0666, NULL, &ku_ops, (void *)(unsigned long)k))
			return -ENOMEM; /* the loader removes what was created */
	return 0;
}

static void __exit ku_copy_exit(void)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(names); ++k)
		remove_proc_entry(names[k], NULL);
}

module_init(ku_copy_init);
module_exit(ku_copy_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("User-copy scenarios, one /proc entry each");
