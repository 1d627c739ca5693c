// libFuzzer target: the control protocol as the daemon reads it from its socket. The input
// is a byte stream from a client; it is cut into request lines as ControlSession does
// (kMaxRequestLine bounds a line; an insmod's image of `size` bytes follows its line) and
// each line goes through parse_request(). A malformed line must give an error with an errno
// and a message, and its reply must encode to one protocol line; a well-formed one must
// name a known op. lkmctl's side is fuzzed too: each line is also decoded as a reply.
#include "control/protocol.h"
#include "control/request.h"
#include "control/wire_format.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace lkmfs::control;

void check(bool condition) {
    if (!condition)
        std::abort();
}

void check_reply_line(const nlohmann::json &reply) {
    std::string line = encode_line(reply);
    check(!line.empty() && line.back() == '\n');
    check(line.find('\n') == line.size() - 1); // one line, whatever the message holds
}

// A fault request's attributes, as accepted, must be the numbers the client sent.
void check_fault_attr(std::string_view line, const FaultRow &attr) {
    nlohmann::json sent = nlohmann::json::parse(line)["attr"];
    auto same = [&](const char *key, long long parsed) {
        auto it = sent.find(key);
        if (it == sent.end())
            return;
        if (it->is_number_unsigned())
            check(parsed >= 0 &&
                  it->get<unsigned long long>() == static_cast<unsigned long long>(parsed));
        else
            check(it->get<long long>() == parsed);
    };
    same("probability", static_cast<long long>(attr.probability));
    same("interval", static_cast<long long>(attr.interval));
    same("times", attr.times);
    same("space", attr.space);
    same("verbose", attr.verbose);
}

// What lkmctl does with a line the daemon sent: a reply, maybe with rows.
void decode_as_reply(std::string_view line) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
        return;
    try {
        Error e = reply_error(j);
        check(e.err >= 0);
        if (j.contains("modules"))
            (void)j.at("modules").get<std::vector<ModuleRow>>();
        if (j.contains("records"))
            (void)j.at("records").get<std::vector<LogRow>>();
        if (j.contains("params"))
            (void)j.at("params").get<std::vector<ParamRow>>();
        if (j.contains("faults"))
            (void)j.at("faults").get<std::vector<FaultRow>>();
        if (j.contains("waiting"))
            (void)j.at("waiting").get<RmmodWait>();
    } catch (const nlohmann::json::exception &) {
        // a malformed reply: lkmctl reports it (documented from_json behaviour)
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char *>(data), size);
    while (!input.empty()) {
        std::size_t newline = input.find('\n');
        if (newline == std::string_view::npos || newline > kMaxRequestLine) {
            // The server answers EMSGSIZE (line too long) or waits for more (no newline).
            check_reply_line(error_reply({EMSGSIZE, "request line too long"}));
            break;
        }
        std::string_view line = input.substr(0, newline);
        input.remove_prefix(newline + 1);

        Request request;
        Error e = parse_request(line, &request);
        if (e) {
            check(e.err > 0 && !e.message.empty());
            check_reply_line(error_reply(e));
        } else {
            check(op_name(request.op) != "?");
            if (request.op == Op::Insmod) {
                if (request.size > kMaxModuleImage)
                    break; // refused with EFBIG, connection closed
                input.remove_prefix(std::min(request.size, input.size()));
            }
            if (request.op == Op::Fault && !request.fault_attr.kind.empty()) {
                check_fault_attr(line, request.fault_attr);
                check_reply_line(nlohmann::json{{"ok", true}, {"faults", {request.fault_attr}}});
            }
        }
        decode_as_reply(line);
    }
    return 0;
}
