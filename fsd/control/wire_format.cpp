#include "wire_format.h"

#include <cerrno>

namespace lkmfs::control {

void to_json(nlohmann::json &j, const ParamRow &row) {
    j = nlohmann::json{{"name", row.name}, {"type", row.type}, {"perm", row.perm}};
    if (row.readable)
        j["value"] = row.value;
    else
        j["readable"] = false;
}

void from_json(const nlohmann::json &j, ParamRow &row) {
    j.at("name").get_to(row.name);
    j.at("type").get_to(row.type);
    j.at("perm").get_to(row.perm);
    row.readable = j.value("readable", true);
    row.value = row.readable ? j.at("value").get<std::string>() : std::string();
}

void to_json(nlohmann::json &j, const FaultRow &row) {
    j = nlohmann::json{{"kind", row.kind},         {"probability", row.probability},
                       {"interval", row.interval}, {"times", row.times},
                       {"space", row.space},       {"verbose", row.verbose}};
}

void from_json(const nlohmann::json &j, FaultRow &row) {
    j.at("kind").get_to(row.kind);
    j.at("probability").get_to(row.probability);
    j.at("interval").get_to(row.interval);
    j.at("times").get_to(row.times);
    j.at("space").get_to(row.space);
    j.at("verbose").get_to(row.verbose);
}

nlohmann::json ok_reply() {
    return nlohmann::json{{"ok", true}};
}

nlohmann::json error_reply(const Error &error) {
    return nlohmann::json{{"ok", false}, {"errno", error.err}, {"message", error.message}};
}

Error reply_error(const nlohmann::json &reply) {
    if (reply.at("ok").get<bool>())
        return {};
    Error error{reply.at("errno").get<int>(), reply.value("message", std::string())};
    if (error.err <= 0) // a failure must never read as success
        error.err = EIO;
    return error;
}

std::string encode_line(const nlohmann::json &message) {
    std::string line = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line += '\n';
    return line;
}

} // namespace lkmfs::control
