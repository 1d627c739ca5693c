// SPDX-License-Identifier: GPL-2.0
/* kl_params: one parameter of every standard type; init prints what arrived. */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>

static int i = -1;
static unsigned int u = 1;
static long l = -2;
static unsigned long ul = 2;
static short s = -3;
static unsigned short us = 3;
static unsigned char b = 4;
static bool bo;
static bool ib = true;
static char *cp = "default";
static char str[8] = "str";
static int arr[4] = { 9, 9, 9, 9 };
static unsigned int arr_count;
static int dash_name;

module_param(i, int, 0644);
MODULE_PARM_DESC(i, "an int");
module_param(u, uint, 0644);
module_param(l, long, 0644);
module_param(ul, ulong, 0644);
module_param(s, short, 0644);
module_param(us, ushort, 0644);
module_param(b, byte, 0644);
/* module_param(bo, bool, ...) is tested in sdk_build_test (the SDK's C `bool` is a macro). */
module_param_named(bo, bo, bool, 0644);
module_param(ib, invbool, 0644);
module_param(cp, charp, 0644);
MODULE_PARM_DESC(cp, "a string pointer");
module_param_string(str, str, sizeof(str), 0644);
module_param_array(arr, int, &arr_count, 0644);
module_param(dash_name, int, 0644);

static int __init kl_params_init(void)
{
	pr_info("kl_params: i=%d u=%u l=%ld ul=%lu s=%hd us=%hu b=%u\n", i, u, l, ul, s, us, b);
	pr_info("kl_params: bo=%d ib=%d cp=[%s] str=[%s] dash_name=%d\n", bo, ib, cp, str,
		dash_name);
	pr_info("kl_params: arr_count=%u arr=%d,%d,%d,%d\n", arr_count, arr[0], arr[1], arr[2],
		arr[3]);
	return 0;
}

static void __exit kl_params_exit(void)
{
}

module_init(kl_params_init);
module_exit(kl_params_exit);
MODULE_LICENSE("GPL");
