#include "socket_claim.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lkmfs::control {

namespace {

// True if something accepts connections on `path`. A listening server accepts at once
// (the kernel queues the connection) or, with its backlog full, says EAGAIN to a
// non-blocking connect; a stale file refuses.
bool someone_listens(const std::string &path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    bool live = ::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0 ||
                errno == EAGAIN;
    ::close(fd);
    return live;
}

} // namespace

Error claim_socket_path(const std::string &path) {
    if (path.empty())
        return {EINVAL, "empty control socket path"};
    if (path.size() >= sizeof(sockaddr_un::sun_path))
        return {ENAMETOOLONG, "control socket path " + path + " is longer than " +
                                  std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes"};
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return {};
        return {errno, "cannot examine " + path + ": " + std::strerror(errno)};
    }
    if (!S_ISSOCK(st.st_mode))
        return {EEXIST, path + " exists and is not a socket; refusing to replace it"};
    if (someone_listens(path))
        return {EADDRINUSE, "another lkmfsd is already listening on " + path};
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return {errno, "cannot remove stale socket " + path + ": " + std::strerror(errno)};
    return {};
}

} // namespace lkmfs::control
