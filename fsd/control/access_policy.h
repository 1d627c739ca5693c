// Who may do what over the control socket. The socket is 0666 so that anyone can ask
// read-only questions; loading and unloading code stays with root and the daemon's owner,
// as init_module(2) needs CAP_SYS_MODULE.
#pragma once

#include "control_options.h"
#include "control_types.h"
#include "request.h"

namespace lkmfs::control {

// EPERM "Operation not permitted" when `peer` may not run `op`; success otherwise.
Error authorize(Op op, const PeerCred &peer, const ControlOptions &options);

} // namespace lkmfs::control
