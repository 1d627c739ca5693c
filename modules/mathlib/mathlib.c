// SPDX-License-Identifier: GPL-2.0
/*
 * mathlib: a module that only provides functions to other modules. mathlib_gcd() is
 * exported to every module (EXPORT_SYMBOL), mathlib_calls() to GPL-compatible ones only
 * (EXPORT_SYMBOL_GPL). Load it before its users (modules/gcdcalc); while one is loaded,
 * `lsmod` lists it under "Used by" and mathlib cannot be removed.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/atomic.h>

static atomic_t calls = ATOMIC_INIT(0);

long mathlib_gcd(long a, long b)
{
	atomic_inc(&calls);
	if (a < 0)
		a = -a;
	if (b < 0)
		b = -b;
	while (b) {
		long t = a % b;

		a = b;
		b = t;
	}
	return a;
}
EXPORT_SYMBOL(mathlib_gcd);

int mathlib_calls(void)
{
	return atomic_read(&calls);
}
EXPORT_SYMBOL_GPL(mathlib_calls);

static int __init mathlib_init(void)
{
	pr_info("mathlib: ready\n");
	return 0;
}

static void __exit mathlib_exit(void)
{
	pr_info("mathlib: %d call(s) served\n", atomic_read(&calls));
}

module_init(mathlib_init);
module_exit(mathlib_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("Functions exported to other modules");
