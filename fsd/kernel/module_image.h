// Reading a NAME.ko file before anything of it runs: its .modinfo strings, the symbols it
// needs and the symbols it defines. Used by the loader (checks before dlopen) and by
// `lkmctl modinfo FILE`.
#pragma once

#include "status.h"

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace lkmfs::kernel {

struct ModuleImage {
    // .modinfo "key=value" strings in file order (license, author, vermagic, name, parm...).
    std::vector<std::pair<std::string, std::string>> modinfo;
    // Undefined, non-weak dynamic symbols: what must be resolved for the module to load.
    std::vector<std::string> needed_symbols;
    // Defined dynamic symbols: what the module offers (EXPORT_SYMBOL'd names are among them).
    std::vector<std::string> defined_symbols;
    // Bytes the loadable segments occupy in memory, each rounded up to pages (the size
    // /proc/modules shows).
    std::size_t load_size = 0;

    // First value of a .modinfo key, or "" if absent.
    std::string info(std::string_view key) const;
};

// Parses an in-memory ELF image. ENOEXEC with a reason if it is not an x86-64 ELF shared
// object with a .modinfo section.
Status parse_module_image(std::span<const std::byte> bytes, ModuleImage *out);

// The dynamic symbols an ELF file defines (for the kernel's own symbol table: the daemon's
// executable). Errors name the file.
Status read_defined_dynamic_symbols(const std::string &path, std::vector<std::string> *out);

} // namespace lkmfs::kernel
