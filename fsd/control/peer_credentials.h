// Who is on the other end of a connected Unix socket, as the kernel vouches for it.
#pragma once

#include "control_types.h"

namespace lkmfs::control {

// SO_PEERCRED of `fd`. On failure the caller gets uid (uid_t)-1, which no policy trusts.
PeerCred peer_credentials(int fd);

} // namespace lkmfs::control
