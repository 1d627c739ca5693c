// Finding NAME.ko for the modules a configuration loads at start.
#pragma once

#include "kernel/status.h"

#include <string>
#include <vector>

namespace lkmfs::daemon {

// The directory holding the sample modules of this build or installation:
// <dir of lkmfsd>/../lib/lkmfs/modules (the build tree mirrors the install tree).
std::string builtin_module_dir();

// `spec` is a path (contains '/' or ends in ".ko") or a NAME searched as NAME.ko in `dirs`.
Status find_module_file(const std::string &spec, const std::vector<std::string> &dirs,
                        std::string *path);

} // namespace lkmfs::daemon
