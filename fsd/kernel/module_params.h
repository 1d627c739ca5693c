// Module parameters given at insmod time ("a=1 b=\"x y\""), applied as Linux's
// parse_args() does.
#pragma once

#include "status.h"

#include <string>
#include <string_view>

struct kernel_param;

namespace lkmfs::kernel {

// Sets each parameter through its kernel_param_ops. Unknown names are ignored with a
// warning (as Linux 6.1); a value its setter rejects fails the whole call with that errno.
Status apply_module_params(std::string_view module_name, std::string_view args,
                           const kernel_param *begin, const kernel_param *end);

// Frees what the parameters' setters allocated (charp values), at unload.
void free_module_params(const kernel_param *begin, const kernel_param *end);

// ---- at run time (what sysfs's /sys/module/NAME/parameters/ offers in Linux) -----------
// These call the parameter's ops as they are: the caller holds the module's parameter
// lock and runs them inside the module's context (ModuleScope), so that what a setter
// allocates is the module's.

// The parameter called `name` ('-' and '_' equivalent, as at insmod), or null.
const kernel_param *find_module_param(const kernel_param *begin, const kernel_param *end,
                                      std::string_view name);

// The value as ops->get writes it (into a page, as param_attr_show()), without its
// trailing newline. 0, or a negative errno (-EPERM without a getter).
int read_module_param(const kernel_param *kp, std::string *value);

// Sets the value through ops->set, as param_attr_store(). 0, or a negative errno
// (-EPERM without a setter); on failure the old value stays (an array of plain values
// is put back as it was even when a later element was the bad one).
int write_module_param(const kernel_param *kp, std::string_view value);

// The type of a standard parameter as module_param() names it ("int", "charp", "array of
// int"...); "" for parameters with their own ops (module_param_cb).
std::string module_param_type(const kernel_param *kp);

} // namespace lkmfs::kernel
