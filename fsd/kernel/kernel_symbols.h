// The kernel symbol table: the names modules may bind to without another module.
#pragma once

#include "status.h"

#include <string>
#include <string_view>
#include <unordered_set>

namespace lkmfs::kernel {

class KernelSymbols {
  public:
    // Reads the exported (dynamic) symbols of the running executable: the kernel API that
    // the daemon compiled with default visibility.
    static Status from_running_executable(KernelSymbols *out);

    // True if a module may use `name`: a kernel API symbol, or one of the C library and
    // toolchain names the kernel also provides or the compiler emits (memcpy, sscanf,
    // __stack_chk_fail, C++ runtime support).
    bool provides(std::string_view name) const;
    bool is_kernel_api(std::string_view name) const { return api_.count(std::string(name)) != 0; }

  private:
    std::unordered_set<std::string> api_;
};

} // namespace lkmfs::kernel
