// Module parameters given at insmod time ("a=1 b=\"x y\""), applied as Linux's
// parse_args() does.
#pragma once

#include "status.h"

#include <string_view>

struct kernel_param;

namespace lkmfs::kernel {

// Sets each parameter through its kernel_param_ops. Unknown names are ignored with a
// warning (as Linux 6.1); a value its setter rejects fails the whole call with that errno.
Status apply_module_params(std::string_view module_name, std::string_view args,
                           const kernel_param *begin, const kernel_param *end);

// Frees what the parameters' setters allocated (charp values), at unload.
void free_module_params(const kernel_param *begin, const kernel_param *end);

} // namespace lkmfs::kernel
