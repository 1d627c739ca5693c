// Call chains of the running thread, symbolized as the kernel prints them in a report:
// "func+0x12/0x40 [module]" (offset into the function / its size; the module's name for
// code of a loaded module).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lkmfs::kernel {

// Return addresses of the calling thread, innermost first (at most `max`).
std::vector<std::uintptr_t> capture_stack(int max);

// "func+0x12/0x40 [module]", "func+0x12/0x40" for the daemon's own code (C++ names
// demangled, without their parameter lists), or "0x7f..." when nothing is known.
std::string symbolize(std::uintptr_t address);

// The function `address` points to (a function pointer, not a return address), as the
// kernel's %ps prints it: "func [module]", "func" for the daemon's own code.
std::string function_name(std::uintptr_t address);

// As symbolize(), for the address of an instruction itself (a faulting RIP), not a return
// address: "func+0x0/0x40 [module]" for a fault at a function's first byte.
std::string symbolize_instruction(std::uintptr_t address);

// Whether `address` lies in the C library (where a call chain leaves lkmfs for good).
bool in_c_library(std::uintptr_t address);
// Whether `address` is in the C or C++ runtime (libc, libstdc++, libgcc_s) or a sanitizer's
// runtime: code between module code and an abort() or a throw.
bool in_runtime_library(std::uintptr_t address);
// Whether `address` is in a sanitizer's runtime (libasan, libubsan, libtsan): in a
// sanitizer build, backtrace() is an interceptor whose own frame comes first.
bool in_sanitizer_runtime(std::uintptr_t address);
// How many of `frames` (innermost first) are a sanitizer runtime's, on top of the stack.
std::size_t sanitizer_frames_on_top(const void *const *frames, std::size_t count);

} // namespace lkmfs::kernel
