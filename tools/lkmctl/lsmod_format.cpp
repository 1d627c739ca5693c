#include "lsmod_format.h"

#include <fmt/format.h>

namespace lkmfs::lkmctl {

std::string format_lsmod(const std::vector<control::ModuleRow> &modules) {
    std::string out = "Module                  Size  Used by\n";
    for (const control::ModuleRow &row : modules) {
        out += fmt::format("{:<19} {:>8}  {}", row.name, row.size, row.refcount);
        for (std::size_t i = 0; i < row.holders.size(); ++i) {
            out += i == 0 ? ' ' : ',';
            out += row.holders[i];
        }
        out += '\n';
    }
    return out;
}

} // namespace lkmfs::lkmctl
