// The JSON shape of the control protocol's values (see protocol.h), used by both ends.
#pragma once

#include "control_types.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace lkmfs::control {

// nlohmann_json conversions, found by argument-dependent lookup: each field under its own
// name. from_json throws nlohmann::json::exception when a field is missing or has the
// wrong type.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ModuleRow, name, size, refcount, holders, state, address, taints)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LogRow, seq, ts_usec, level, facility, cont, text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WaitedCall, entry, handler, pid, comm, state)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RmmodWait, module, forced, calls)

// "readable" is sent only when false, and "value" only when readable.
void to_json(nlohmann::json &j, const ParamRow &row);
void from_json(const nlohmann::json &j, ParamRow &row);

void to_json(nlohmann::json &j, const FaultRow &row);
void from_json(const nlohmann::json &j, FaultRow &row);

// {"ok": true}
nlohmann::json ok_reply();
// {"ok": false, "errno": err, "message": message}
nlohmann::json error_reply(const Error &error);
// The Error a reply carries: err == 0 when "ok" is true. Throws like from_json.
Error reply_error(const nlohmann::json &reply);

// One protocol line: compact JSON and '\n'. Text from modules or files need not be UTF-8;
// invalid bytes become U+FFFD rather than failing the whole reply.
std::string encode_line(const nlohmann::json &message);

} // namespace lkmfs::control
