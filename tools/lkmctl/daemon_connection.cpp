#include "daemon_connection.h"

#include "control/protocol.h"
#include "control/wire_format.h"
#include "kmod_wording.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace lkmfs::lkmctl {

using control::Error;

DaemonConnection::~DaemonConnection() {
    if (fd_ >= 0)
        ::close(fd_);
}

DaemonConnection::DaemonConnection(DaemonConnection &&other) noexcept
    : fd_(std::exchange(other.fd_, -1)), socket_path_(std::move(other.socket_path_)),
      input_(std::move(other.input_)) {}

DaemonConnection &DaemonConnection::operator=(DaemonConnection &&other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        socket_path_ = std::move(other.socket_path_);
        input_ = std::move(other.input_);
    }
    return *this;
}

Error DaemonConnection::io_error(std::string_view what, int err) const {
    return {err, std::string(what) + " " + socket_path_ + ": " + errno_text(err)};
}

Error DaemonConnection::connect(const std::string &socket_path) {
    socket_path_ = socket_path;
    sockaddr_un addr{};
    if (socket_path.size() >= sizeof addr.sun_path)
        return io_error("cannot connect to", ENAMETOOLONG);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
        return io_error("cannot connect to", errno);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    if (::connect(fd_, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0) {
        Error e = io_error("cannot connect to", errno);
        ::close(std::exchange(fd_, -1));
        return e;
    }
    return {};
}

void DaemonConnection::set_timeout(std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

Error DaemonConnection::send_all(const void *data, std::size_t size) {
    const auto *p = static_cast<const char *>(data);
    while (size > 0) {
        // MSG_NOSIGNAL: a daemon that went away is an error to report, not a SIGPIPE.
        ssize_t n = ::send(fd_, p, size, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return io_error("cannot send to", errno);
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return {};
}

Error DaemonConnection::send_message(const nlohmann::json &message) {
    std::string line = control::encode_line(message);
    return send_all(line.data(), line.size());
}

Error DaemonConnection::send_bytes(std::span<const std::byte> bytes) {
    return send_all(bytes.data(), bytes.size());
}

Error DaemonConnection::read_message(nlohmann::json *out) {
    std::size_t scanned = 0;
    for (;;) {
        auto newline = input_.find('\n', scanned);
        if (newline != std::string::npos) {
            *out = nlohmann::json::parse(std::string_view(input_).substr(0, newline), nullptr,
                                         /*allow_exceptions=*/false);
            input_.erase(0, newline + 1);
            if (out->is_discarded() || !out->is_object())
                return {EPROTO, "malformed reply from " + socket_path_};
            return {};
        }
        if (input_.size() > control::kMaxReplyLine)
            return {EPROTO, "reply from " + socket_path_ + " is too long"};
        scanned = input_.size();
        char buffer[64 * 1024];
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return {ETIMEDOUT, "no reply from " + socket_path_ + " in time"};
            return io_error("cannot read from", errno);
        }
        if (n == 0)
            return {ECONNRESET, socket_path_ + ": the daemon closed the connection"};
        input_.append(buffer, static_cast<std::size_t>(n));
    }
}

Error DaemonConnection::request(const nlohmann::json &message, nlohmann::json *reply) {
    if (Error e = send_message(message))
        return e;
    return read_message(reply);
}

} // namespace lkmfs::lkmctl
