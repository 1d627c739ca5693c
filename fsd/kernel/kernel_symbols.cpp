#include "kernel_symbols.h"

#include "module_image.h"

#include <array>

namespace lkmfs::kernel {

namespace {

// C library functions with the same name and meaning in the kernel's lib/.
constexpr std::array kSharedWithLibc = {
    "memcpy", "memmove", "memset", "memcmp", "memchr", "strlen", "strnlen", "strcmp", "strncmp",
    "strcpy", "strncpy", "strcat", "strncat", "strchr", "strrchr", "strstr", "strsep", "strspn",
    "strcspn", "strpbrk", "strcasecmp", "strncasecmp", "sprintf", "snprintf", "vsprintf",
    "vsnprintf", "sscanf", "vsscanf", "__isoc99_sscanf", "__isoc99_vsscanf", "memscan", "strchrnul",
    "__ctype_b_loc", "__ctype_tolower_loc", "__ctype_toupper_loc", "toupper", "tolower",
    // What the toolchain emits or the dynamic linker expects.
    "__stack_chk_fail", "__cxa_finalize", "__cxa_atexit", "__dso_handle", "__gmon_start__",
    "_ITM_registerTMCloneTable", "_ITM_deregisterTMCloneTable", "__memcpy_chk", "__memset_chk",
    "__memmove_chk", "__strcpy_chk", "__sprintf_chk", "__snprintf_chk", "__vsnprintf_chk",
    "__vsprintf_chk",
    // Not kernel API: what std::terminate() ends in, and what a C++ module may call for a
    // fatal error. Contained like BUG() (see oops.h) rather than refused at load.
    "abort"};

// C++ runtime support a C++ module may need (exceptions, typeinfo, operator new/delete).
constexpr std::array kCxxRuntimePrefixes = {"__cxa_", "_Unwind_", "__gxx_personality",
                                            "_ZTV",   "_ZTI",     "_ZTS",
                                            "_Znw",   "_Zna",     "_Zdl",
                                            "_Zda",   "_ZSt",     "_ZNSt"};

} // namespace

Status KernelSymbols::from_running_executable(KernelSymbols *out) {
    std::vector<std::string> names;
    Status st = read_defined_dynamic_symbols("/proc/self/exe", &names);
    if (!st)
        return st;
    // The API has C linkage; C++ names in the table are template instantiations the
    // standard library marks visible, not kernel API.
    // Neither are the program's start-up symbols nor the library objects the linker copied
    // into it (stdout, stderr): a module must not bind to them.
    static const std::unordered_set<std::string> kNotApi = {"_start",
                                                            "_init",
                                                            "_fini",
                                                            "_edata",
                                                            "_end",
                                                            "__bss_start",
                                                            "__data_start",
                                                            "data_start",
                                                            "_IO_stdin_used",
                                                            "stdout",
                                                            "stderr",
                                                            "stdin",
                                                            "environ",
                                                            "__environ",
                                                            "program_invocation_name",
                                                            "program_invocation_short_name"};
    for (auto &name : names)
        if (!name.starts_with("_Z") && kNotApi.count(name) == 0)
            out->api_.insert(std::move(name));
    return Status::ok();
}

bool KernelSymbols::provides(std::string_view name) const {
    if (is_kernel_api(name))
        return true;
    for (std::string_view shared : kSharedWithLibc)
        if (name == shared)
            return true;
    for (std::string_view prefix : kCxxRuntimePrefixes)
        if (name.starts_with(prefix))
            return true;
    return false;
}

} // namespace lkmfs::kernel
