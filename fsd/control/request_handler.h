// Runs one parsed request against the backend and builds its reply. Blocking (insmod and
// rmmod run module code), so the server calls it on a worker thread, never on its I/O
// thread.
#pragma once

#include "control_backend.h"
#include "control_options.h"
#include "request.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

namespace lkmfs::control {

// Sends one message to the client before the reply (from the worker thread).
using Notify = std::function<void(const nlohmann::json &)>;

// The reply to `request` (already authorised). `image` holds the insmod bytes. A dmesg
// request is answered with a snapshot; following is the session's business. An rmmod with
// "progress" sends {"waiting": {...}} through `notify` whenever what it waits for changes.
// Exceptions from the backend become an EIO reply: a fault in one request must not take
// the server down.
nlohmann::json execute_request(ControlBackend &backend, const ControlOptions &options,
                               const Request &request, std::span<const std::byte> image,
                               const PeerCred &peer, const Notify &notify = {});

// {"ok": true, "records": [...]}
nlohmann::json log_records_reply(const std::vector<LogRow> &records);

} // namespace lkmfs::control
