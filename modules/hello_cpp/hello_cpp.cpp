// SPDX-License-Identifier: GPL-2.0
/*
 * hello_cpp: a module written in C++20. The Makefile is the same as for a C module; the
 * build sees hello_cpp.cpp and compiles it as C++20 (gnu++20).
 *
 * Header-only parts of the standard library (std::array, std::string_view, <algorithm>)
 * are fine in a module. What needs the C++ runtime library (exceptions, new/delete,
 * iostreams) is not part of the kernel API a module may call: allocate with kmalloc and
 * report errors as negative errno values, as in C.
 *
 * Include the standard headers first: kernel macros such as `current`, `__init` and `clamp`
 * would rewrite identifiers inside them.
 */
#include <algorithm>
#include <array>
#include <string_view>

#include <linux/module.h>
#include <linux/kernel.h>

namespace
{

constexpr std::array<std::string_view, 3> words{ "hello", "from", "C++20" };

// Computed by the compiler: the module carries only the result.
constexpr std::size_t longest = std::ranges::max(words, {}, &std::string_view::size).size();
static_assert(longest == 5);

int __init hello_cpp_init()
{
	auto say = [](std::string_view word) {
		pr_info("LKM: %.*s\n", static_cast<int>(word.size()), word.data());
	};
	std::ranges::for_each(words, say);
	pr_info("LKM: the longest word has %zu letters\n", longest);
	return 0;
}

void __exit hello_cpp_exit()
{
	pr_info("LKM: goodbye from C++20\n");
}

} // namespace

module_init(hello_cpp_init);
module_exit(hello_cpp_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("A module written in C++20");
