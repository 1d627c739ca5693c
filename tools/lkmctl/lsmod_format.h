// lsmod's table, column for column as kmod prints it.
#pragma once

#include "control/control_types.h"

#include <string>
#include <vector>

namespace lkmfs::lkmctl {

// "Module                  Size  Used by" and one "%-19s %8lu  %d" row per module, the
// holders after a space, separated by commas.
std::string format_lsmod(const std::vector<control::ModuleRow> &modules);

} // namespace lkmfs::lkmctl
