// lkmctl's end of the control socket: blocking, one request at a time. Every error names
// the socket, so that a user with several daemons knows which one failed.
#pragma once

#include "control/control_types.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace lkmfs::lkmctl {

class DaemonConnection {
  public:
    DaemonConnection() = default;
    ~DaemonConnection();
    DaemonConnection(DaemonConnection &&other) noexcept;
    DaemonConnection &operator=(DaemonConnection &&other) noexcept;
    DaemonConnection(const DaemonConnection &) = delete;
    DaemonConnection &operator=(const DaemonConnection &) = delete;

    control::Error connect(const std::string &socket_path);

    // Bounds every later send and receive (for probing sockets that may hang); without
    // it, calls wait as long as the daemon works (module init may sleep).
    void set_timeout(std::chrono::milliseconds timeout);

    // One request line.
    control::Error send_message(const nlohmann::json &message);
    control::Error send_bytes(std::span<const std::byte> bytes);

    // The next reply line. ECONNRESET when the daemon closed the connection.
    control::Error read_message(nlohmann::json *out);

    // send_message + read_message.
    control::Error request(const nlohmann::json &message, nlohmann::json *reply);

    const std::string &socket_path() const { return socket_path_; }

  private:
    control::Error send_all(const void *data, std::size_t size);
    control::Error io_error(std::string_view what, int err) const;

    int fd_ = -1;
    std::string socket_path_;
    std::string input_; // received, not yet returned
};

} // namespace lkmfs::lkmctl
