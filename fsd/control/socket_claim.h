// Taking over a socket path for listening. A daemon that crashed leaves its socket file
// behind; a daemon that runs still answers on it. Only the first may be replaced.
#pragma once

#include "control_types.h"

#include <string>

namespace lkmfs::control {

// Makes `path` free for bind(2): nothing there, or a stale socket (removed here).
// EADDRINUSE if a live server accepts connections on it, EEXIST if it is not a socket,
// ENAMETOOLONG if it does not fit in sun_path.
Error claim_socket_path(const std::string &path);

} // namespace lkmfs::control
