// Who may do what over the control socket. The socket is 0666 so that anyone can ask
// read-only questions; loading and unloading code stays with root and the daemon's owner,
// as init_module(2) needs CAP_SYS_MODULE. Setting a module parameter is for them too (the
// files under /sys/module/NAME/parameters/ belong to root).
#pragma once

#include "control_options.h"
#include "control_types.h"
#include "request.h"

namespace lkmfs::control {

// Root and the daemon's owner: they may change the kernel, and read every module parameter.
bool is_privileged(const PeerCred &peer, const ControlOptions &options);

// EPERM "Operation not permitted" when `peer` may not run `op`; success otherwise.
Error authorize(Op op, const PeerCred &peer, const ControlOptions &options);

} // namespace lkmfs::control
