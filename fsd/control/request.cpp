#include "request.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <string>
#include <type_traits>
#include <utility>

namespace lkmfs::control {

namespace {

using nlohmann::json;

constexpr std::array<std::pair<Op, std::string_view>, 9> kOpNames{{
    {Op::Hello, "hello"},
    {Op::Insmod, "insmod"},
    {Op::Rmmod, "rmmod"},
    {Op::Lsmod, "lsmod"},
    {Op::Modinfo, "modinfo"},
    {Op::Dmesg, "dmesg"},
    {Op::Params, "params"},
    {Op::SetParam, "set_param"},
    {Op::Fault, "fault"},
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

// fault: {"kind": K} alone shows; with "off": true clears; with "attr": {...} sets.
Error read_fault(const json &j, Request *out) {
    if (Error e = read_name(j, &out->name))
        return e;
    if (Error e = read_string(j, "kind", false, &out->fault_kind))
        return e;
    if (!out->fault_kind.empty() && out->fault_kind != "failslab" &&
        out->fault_kind != "fail_usercopy")
        return malformed("\"kind\" must be failslab or fail_usercopy");
    if (Error e = read_bool(j, "off", &out->fault_off))
        return e;
    auto attr = j.find("attr");
    if (attr == j.end())
        return {};
    if (out->fault_kind.empty() || out->fault_off)
        return malformed("\"attr\" needs a \"kind\" and no \"off\"");
    if (!attr->is_object())
        return malformed("\"attr\" must be an object");
    out->fault_attr.kind = out->fault_kind;
    auto number = [&](const char *key, long min, long max, auto *value) -> Error {
        auto it = attr->find(key);
        if (it == attr->end())
            return {};
        // Compared in the type it came in: an unsigned one above LONG_MAX read as long
        // would wrap (2^64-1 would pass as times -1).
        bool in_range =
            it->is_number_unsigned()
                ? it->get<unsigned long>() <= static_cast<unsigned long>(max) &&
                      it->get<long>() >= min
                : it->is_number_integer() && it->get<long>() >= min && it->get<long>() <= max;
        if (!in_range)
            return malformed(std::string("\"attr.") + key + "\" must be an integer " +
                             std::to_string(min) + ".." + std::to_string(max));
        *value = static_cast<std::remove_pointer_t<decltype(value)>>(it->get<long>());
        return {};
    };
    constexpr long kMax = 1L << 31;
    if (Error e = number("probability", 0, 100, &out->fault_attr.probability))
        return e;
    if (Error e = number("interval", 1, kMax, &out->fault_attr.interval))
        return e;
    if (Error e = number("times", -1, kMax, &out->fault_attr.times))
        return e;
    if (Error e = number("space", 0, kMax, &out->fault_attr.space))
        return e;
    return number("verbose", 0, 2, &out->fault_attr.verbose);
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
    case Op::Fault:
        return read_fault(j, out);
    }
    return {};
}

} // namespace lkmfs::control
