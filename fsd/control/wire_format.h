// The JSON shape of the control protocol's values (see protocol.h), used by both ends.
#pragma once

#include "control_types.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace lkmfs::control {

// nlohmann_json conversions, found by argument-dependent lookup. from_json throws
// nlohmann::json::exception when a field is missing or has the wrong type.
void to_json(nlohmann::json &j, const ModuleRow &row);
void from_json(const nlohmann::json &j, ModuleRow &row);
void to_json(nlohmann::json &j, const LogRow &row);
void from_json(const nlohmann::json &j, LogRow &row);
// "readable" is sent only when false, and "value" only when readable.
void to_json(nlohmann::json &j, const ParamRow &row);
void from_json(const nlohmann::json &j, ParamRow &row);

void to_json(nlohmann::json &j, const WaitedCall &call);
void from_json(const nlohmann::json &j, WaitedCall &call);
void to_json(nlohmann::json &j, const RmmodWait &wait);
void from_json(const nlohmann::json &j, RmmodWait &wait);

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
