#include "wire_format.h"

#include <cerrno>

namespace lkmfs::control {

void to_json(nlohmann::json &j, const ModuleRow &row) {
    j = nlohmann::json{{"name", row.name},       {"size", row.size},   {"refcount", row.refcount},
                       {"holders", row.holders}, {"state", row.state}, {"address", row.address},
                       {"taints", row.taints}};
}

void from_json(const nlohmann::json &j, ModuleRow &row) {
    j.at("name").get_to(row.name);
    j.at("size").get_to(row.size);
    j.at("refcount").get_to(row.refcount);
    j.at("holders").get_to(row.holders);
    j.at("state").get_to(row.state);
    j.at("address").get_to(row.address);
    j.at("taints").get_to(row.taints);
}

void to_json(nlohmann::json &j, const LogRow &row) {
    j = nlohmann::json{{"seq", row.seq},   {"ts_usec", row.ts_usec},   {"level", row.level},
                       {"cont", row.cont}, {"facility", row.facility}, {"text", row.text}};
}

void from_json(const nlohmann::json &j, LogRow &row) {
    j.at("seq").get_to(row.seq);
    j.at("ts_usec").get_to(row.ts_usec);
    j.at("level").get_to(row.level);
    j.at("facility").get_to(row.facility);
    j.at("cont").get_to(row.cont);
    j.at("text").get_to(row.text);
}

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

void to_json(nlohmann::json &j, const WaitedCall &call) {
    j = nlohmann::json{{"entry", call.entry},
                       {"handler", call.handler},
                       {"pid", call.pid},
                       {"comm", call.comm},
                       {"state", call.state}};
}

void from_json(const nlohmann::json &j, WaitedCall &call) {
    j.at("entry").get_to(call.entry);
    j.at("handler").get_to(call.handler);
    j.at("pid").get_to(call.pid);
    j.at("comm").get_to(call.comm);
    j.at("state").get_to(call.state);
}

void to_json(nlohmann::json &j, const RmmodWait &wait) {
    j = nlohmann::json{{"module", wait.module}, {"forced", wait.forced}, {"calls", wait.calls}};
}

void from_json(const nlohmann::json &j, RmmodWait &wait) {
    j.at("module").get_to(wait.module);
    j.at("forced").get_to(wait.forced);
    j.at("calls").get_to(wait.calls);
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
