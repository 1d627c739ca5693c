// The daemon's control socket: lkmctl connects here to load and unload modules and to read
// the module list and the kernel log. See protocol.h for the wire format.
#pragma once

#include "control_backend.h"
#include "control_options.h"
#include "control_types.h"

#include <memory>

namespace lkmfs::control {

class ControlServer {
  public:
    ControlServer(ControlBackend &backend, ControlOptions options);
    ~ControlServer(); // stop()s
    ControlServer(const ControlServer &) = delete;
    ControlServer &operator=(const ControlServer &) = delete;

    // Creates the socket's directory if needed (see ensure_socket_dir), replaces a stale
    // socket file, refuses (EADDRINUSE) if another server answers on it, binds, makes the
    // socket 0666 and starts serving on a thread of its own.
    Error start();

    // Closes the listener and every connection, ends `dmesg follow` streams, waits for
    // insmod/rmmod in progress (module code cannot be interrupted) and removes the socket
    // file. Idempotent.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace lkmfs::control
