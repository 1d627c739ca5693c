// Getting a mountpoint ready: refusing a busy one, recovering a stale one.
#pragma once

#include "kernel/status.h"

#include <string>

namespace lkmfs::daemon {

// Checks that `path` is a directory nobody is mounted on. A stale FUSE mount (its daemon
// was killed: "Transport endpoint is not connected") is lazily unmounted first. Returns
// the canonical path in *canonical.
Status prepare_mountpoint(const std::string &path, std::string *canonical);

} // namespace lkmfs::daemon
