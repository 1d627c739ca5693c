// Which daemon lkmctl talks to: the one serving `-m MOUNTPOINT`, or the only one running,
// or the socket named by $LKMFS_SOCKET.
#pragma once

#include "control/control_types.h"

#include <optional>
#include <string>
#include <vector>

namespace lkmfs::lkmctl {

// A daemon that answered `hello`.
struct RunningDaemon {
    std::string socket_path;
    std::string mountpoint; // "?" if it would not say (read access for its owner only)
};

// Every daemon answering on a *.sock in `dirs`, ordered by socket path.
std::vector<RunningDaemon> find_running_daemons(const std::vector<std::string> &dirs);

// The socket to use. With a mountpoint: its socket in the first of `dirs` where it
// exists and accepts connections, else where it merely exists. Without: the only running
// daemon. On failure the Error's message is what lkmctl prints after "lkmctl: ".
control::Error locate_daemon_in(const std::optional<std::string> &mountpoint,
                                const std::vector<std::string> &dirs, std::string *socket_path);

// locate_daemon_in() over the directories of a root daemon and of this user's daemon,
// unless $LKMFS_SOCKET names the socket outright.
control::Error locate_daemon(const std::optional<std::string> &mountpoint,
                             std::string *socket_path);

} // namespace lkmfs::lkmctl
