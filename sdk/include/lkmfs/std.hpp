/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The standard C++ headers the lkmfs C++ layer (the lkmfs/ .hpp headers) uses, all of them
 * header-only: nothing here needs the C++ runtime library, which is no kernel API.
 *
 * A module includes standard headers before any <linux/...> header, because the kernel's
 * annotation macros rewrite names inside them (<linux/init.h>'s `__ref` breaks
 * <span>). The layer's own headers come after <linux/...> ones as easily as before, so
 * this header hides those macros while the standard headers are read.
 */
#ifndef _LKMFS_STD_HPP
#define _LKMFS_STD_HPP

#pragma push_macro("__init")
#pragma push_macro("__exit")
#pragma push_macro("__initdata")
#pragma push_macro("__exitdata")
#pragma push_macro("__initconst")
#pragma push_macro("__init_or_module")
#pragma push_macro("__ref")
#pragma push_macro("__refdata")
#undef __init
#undef __exit
#undef __initdata
#undef __exitdata
#undef __initconst
#undef __init_or_module
#undef __ref
#undef __refdata

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#pragma pop_macro("__refdata")
#pragma pop_macro("__ref")
#pragma pop_macro("__init_or_module")
#pragma pop_macro("__initconst")
#pragma pop_macro("__exitdata")
#pragma pop_macro("__initdata")
#pragma pop_macro("__exit")
#pragma pop_macro("__init")

#endif
