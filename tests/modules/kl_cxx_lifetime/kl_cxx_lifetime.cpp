// SPDX-License-Identifier: GPL-2.0
/*
 * kl_cxx_lifetime: the C++ layer's owners across a module's life. Init builds a kmalloc'd
 * text and the entry kl_cxx_lifetime (serving it) in locals, then moves them into globals.
 *
 *   fail_init=1  init fails after both were made: the locals' destructors run while the
 *                module is loading, remove the entry and free both objects (no warning,
 *                no leak).
 *   forget=1     exit does not reset the globals: the core removes the entry with its
 *                "left behind" warning and reports the two objects as leaked; the globals'
 *                destructors then run at unmap time and must not touch the removed entry.
 */
#include <lkmfs/proc.hpp>
#include <lkmfs/slab.hpp>
#include <lkmfs/uaccess.hpp>

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/string.h>

static bool fail_init;
module_param(fail_init, bool, 0444);
static bool forget;
module_param(forget, bool, 0444);

static lkmfs::proc_file entry;
static lkmfs::karray<char> text;

static int __init kl_cxx_lifetime_init(void)
{
	static const char message[] = "lifetime\n";
	auto made_text = lkmfs::karray<char>::create(sizeof message - 1);
	if (!made_text)
		return made_text.error();
	memcpy(made_text->data(), message, sizeof message - 1);
	std::span<const char> content = made_text->span();

	auto made_entry = lkmfs::proc_file::create(
		"kl_cxx_lifetime", 0444, nullptr,
		lkmfs::handlers{
			.read =
				[content](lkmfs::file_ref, lkmfs::user_out to, loff_t &pos) {
					return lkmfs::read_from_buffer(to, pos, content);
				},
		});
	if (!made_entry)
		return made_entry.error();
	if (fail_init) {
		pr_info("kl_cxx_lifetime: init fails with its entry in a local\n");
		return -ECANCELED;
	}
	text = std::move(*made_text);
	entry = std::move(*made_entry);
	pr_info("kl_cxx_lifetime: init\n");
	return 0;
}

static void __exit kl_cxx_lifetime_exit(void)
{
	if (!forget) {
		entry.reset();
		text.reset();
	}
	pr_info("kl_cxx_lifetime: exit%s\n", forget ? " without reset()" : "");
}

module_init(kl_cxx_lifetime_init);
module_exit(kl_cxx_lifetime_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("The C++ layer's owners at init failure and at unload");
