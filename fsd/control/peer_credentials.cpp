#include "peer_credentials.h"

#include <sys/socket.h>

namespace lkmfs::control {

PeerCred peer_credentials(int fd) {
    struct ucred cred {};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred)
        return {0, static_cast<uid_t>(-1), static_cast<gid_t>(-1)};
    return {cred.pid, cred.uid, cred.gid};
}

} // namespace lkmfs::control
