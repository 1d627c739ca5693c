// SPDX-License-Identifier: GPL-2.0
/*
 * kl_cpp: a C++20 module. A global object's constructor runs when the module is mapped,
 * before init; templates, constexpr and concepts work; inline variables and function-local
 * statics (which g++ may make STB_GNU_UNIQUE, keeping a module mapped after dlclose) must
 * not stop the module from being unmapped on rmmod.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>

template <typename T>
concept Integral = requires(T v)
{
	v % v;
};

template <Integral T> constexpr T square(T v)
{
	return v * v;
}

struct Counter {
	static inline int instances = 0;
	int value;
	Counter() : value(square(6))
	{
		++instances;
	}
};

static Counter counter;

inline int &init_calls()
{
	static int calls = 0;
	return calls;
}

static int __init kl_cpp_init(void)
{
	++init_calls();
	pr_info("kl_cpp: __cplusplus=%ld constructed=%d value=%d init_calls=%d\n", __cplusplus,
		Counter::instances, counter.value, init_calls());
	return 0;
}

static void __exit kl_cpp_exit(void)
{
	pr_info("kl_cpp: exit\n");
}

module_init(kl_cpp_init);
module_exit(kl_cpp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A C++20 module");
