// What a ControlServer shares with its sessions.
#pragma once

#include "control_backend.h"
#include "control_options.h"
#include "thread_group.h"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <utility>

namespace lkmfs::control {

// Limits that keep a misbehaving client from exhausting the daemon. Each connection has
// at most one request in progress, so workers never outnumber connections.
inline constexpr std::size_t kMaxConnections = 256;
inline constexpr std::size_t kMaxWorkerThreads = kMaxConnections;

struct ServerContext {
    ServerContext(ControlBackend &backend_in, ControlOptions options_in)
        : backend(backend_in), options(std::move(options_in)) {}

    ControlBackend &backend;
    const ControlOptions options;
    // One I/O thread: every socket operation and session state change happens on it, so
    // sessions need no strands or locks. Blocking work goes to `workers`.
    boost::asio::io_context io{1};
    ThreadGroup workers{kMaxWorkerThreads};
    std::atomic<bool> stopping{false};
};

} // namespace lkmfs::control
