// SPDX-License-Identifier: GPL-2.0
/*
 * multi: a module built from several source files. Its Makefile says
 *
 *   obj-m := multi.o
 *   multi-objs := main.o helper.o
 *
 * and the build links main.o and helper.o into multi.ko. (There must be no multi.c.)
 */
#include <linux/module.h>
#include <linux/kernel.h>

#include "helper.h"

static int __init multi_init(void)
{
	printk(KERN_INFO "LKM: %s\n", multi_helper_greeting());
	return 0;
}

static void __exit multi_exit(void)
{
	printk(KERN_INFO "LKM: goodbye from " KBUILD_MODNAME "\n");
}

module_init(multi_init);
module_exit(multi_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("A module linked from two source files");
