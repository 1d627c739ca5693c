#include "request.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <utility>

namespace lkmfs::control {

namespace {

using nlohmann::json;

constexpr std::array<std::pair<Op, std::string_view>, 8> kOpNames{{
    {Op::Hello, "hello"},
    {Op::Insmod, "insmod"},
    {Op::Rmmod, "rmmod"},
    {Op::Lsmod, "lsmod"},
    {Op::Modinfo, "modinfo"},
    {Op::Dmesg, "dmesg"},
    {Op::Params, "params"},
    {Op::SetParam, "set_param"},
}};

Error malformed(std::string what) {
    return {EINVAL, "malformed request: " + std::move(what)};
}

// Field readers: absent optional fields keep their default; present ones must have the
// right type, so that a typo in a client shows up instead of being silently ignored.
Error read_string(const json &j, const char *key, bool required, std::string *out) {
    auto it = j.find(key);
    if (it == j.end())
        return required ? malformed(std::string("missing \"") + key + "\"") : Error{};
    if (!it->is_string())
        return malformed(std::string("\"") + key + "\" must be a string");
    *out = it->get<std::string>();
    return {};
}

Error read_bool(const json &j, const char *key, bool *out) {
    auto it = j.find(key);
    if (it == j.end())
        return {};
    if (!it->is_boolean())
        return malformed(std::string("\"") + key + "\" must be true or false");
    *out = it->get<bool>();
    return {};
}

Error read_size(const json &j, const char *key, std::size_t *out) {
    auto it = j.find(key);
    if (it == j.end())
        return malformed(std::string("missing \"") + key + "\"");
    if (!it->is_number_unsigned())
        return malformed(std::string("\"") + key + "\" must be a non-negative integer");
    *out = it->get<std::size_t>();
    return {};
}

Error read_name(const json &j, std::string *out) {
    if (Error e = read_string(j, "name", true, out))
        return e;
    if (out->empty())
        return malformed("\"name\" is empty");
    return {};
}

} // namespace

std::string_view op_name(Op op) {
    for (const auto &[value, name] : kOpNames)
        if (value == op)
            return name;
    return "?";
}

Error parse_request(std::string_view line, Request *out) {
    *out = {};
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
        return malformed("not valid JSON");
    if (!j.is_object())
        return malformed("not a JSON object");
    std::string op;
    if (Error e = read_string(j, "op", true, &op))
        return e;
    bool known = false;
    for (const auto &[value, name] : kOpNames)
        if (name == op) {
            out->op = value;
            known = true;
        }
    if (!known)
        return {EINVAL, "unknown op \"" + op + "\""};

    switch (out->op) {
    case Op::Hello:
    case Op::Lsmod:
        return {};
    case Op::Insmod:
        if (Error e = read_string(j, "origin", true, &out->origin))
            return e;
        if (Error e = read_string(j, "params", false, &out->params))
            return e;
        return read_size(j, "size", &out->size);
    case Op::Rmmod:
        if (Error e = read_name(j, &out->name))
            return e;
        if (Error e = read_bool(j, "progress", &out->progress))
            return e;
        return read_bool(j, "force", &out->force);
    case Op::Modinfo:
        return read_name(j, &out->name);
    case Op::Dmesg:
        return read_bool(j, "follow", &out->follow);
    case Op::Params:
        return read_name(j, &out->name);
    case Op::SetParam:
        if (Error e = read_name(j, &out->name))
            return e;
        if (Error e = read_string(j, "param", true, &out->param))
            return e;
        if (out->param.empty())
            return malformed("\"param\" is empty");
        return read_string(j, "value", true, &out->value);
    }
    return {};
}

} // namespace lkmfs::control
