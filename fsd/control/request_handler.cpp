#include "request_handler.h"

#include "access_policy.h"
#include "protocol.h"
#include "wire_format.h"

#include <unistd.h>

#include <cerrno>
#include <exception>
#include <string>

namespace lkmfs::control {

namespace {

using nlohmann::json;

json hello(const ControlOptions &options) {
    json reply = ok_reply();
    reply["mountpoint"] = options.mountpoint;
    reply["pid"] = ::getpid();
    reply["version"] = std::string(kProtocolVersion);
    return reply;
}

json insmod(ControlBackend &backend, const Request &request, std::span<const std::byte> image,
            const PeerCred &peer) {
    std::string name;
    if (Error e = backend.insmod(image, request.origin, request.params, peer, &name))
        return error_reply(e);
    json reply = ok_reply();
    reply["name"] = name;
    return reply;
}

json rmmod(ControlBackend &backend, const Request &request, const PeerCred &peer,
           const Notify &notify) {
    RmmodProgress progress;
    if (request.progress && notify)
        progress = [&notify](const RmmodWait &wait) { notify(json{{"waiting", wait}}); };
    if (Error e = backend.rmmod(request.name, request.force, peer, progress))
        return error_reply(e);
    return ok_reply();
}

json lsmod(ControlBackend &backend) {
    json reply = ok_reply();
    reply["modules"] = backend.lsmod();
    return reply;
}

json modinfo(ControlBackend &backend, const Request &request) {
    ModuleInfo info;
    if (Error e = backend.modinfo(request.name, &info))
        return error_reply(e);
    json reply = ok_reply();
    reply["filename"] = info.filename;
    json fields = json::array();
    for (const auto &[key, value] : info.fields)
        fields.push_back(json::array({key, value}));
    reply["info"] = std::move(fields);
    return reply;
}

json params(ControlBackend &backend, const ControlOptions &options, const Request &request,
            const PeerCred &peer) {
    std::vector<ParamRow> rows;
    if (Error e = backend.params(request.name, peer, is_privileged(peer, options), &rows))
        return error_reply(e);
    json reply = ok_reply();
    reply["params"] = rows;
    return reply;
}

json set_param(ControlBackend &backend, const Request &request, const PeerCred &peer) {
    if (Error e = backend.set_param(request.name, request.param, request.value, peer))
        return error_reply(e);
    return ok_reply();
}

json fault(ControlBackend &backend, const Request &request) {
    std::vector<FaultRow> rows;
    bool sets = !request.fault_kind.empty() && !request.fault_off;
    if (Error e = backend.fault(request.name, request.fault_kind, request.fault_off,
                                sets ? &request.fault_attr : nullptr, &rows))
        return error_reply(e);
    json reply = ok_reply();
    reply["faults"] = rows;
    return reply;
}

json dispatch(ControlBackend &backend, const ControlOptions &options, const Request &request,
              std::span<const std::byte> image, const PeerCred &peer, const Notify &notify) {
    switch (request.op) {
    case Op::Hello:
        return hello(options);
    case Op::Insmod:
        return insmod(backend, request, image, peer);
    case Op::Rmmod:
        return rmmod(backend, request, peer, notify);
    case Op::Lsmod:
        return lsmod(backend);
    case Op::Modinfo:
        return modinfo(backend, request);
    case Op::Dmesg:
        return log_records_reply(backend.log_snapshot());
    case Op::Params:
        return params(backend, options, request, peer);
    case Op::SetParam:
        return set_param(backend, request, peer);
    case Op::Fault:
        return fault(backend, request);
    }
    return error_reply({EINVAL, "unknown op"});
}

} // namespace

json execute_request(ControlBackend &backend, const ControlOptions &options, const Request &request,
                     std::span<const std::byte> image, const PeerCred &peer, const Notify &notify) {
    try {
        return dispatch(backend, options, request, image, peer, notify);
    } catch (const std::exception &e) {
        return error_reply({EIO, std::string(op_name(request.op)) + " failed: " + e.what()});
    }
}

json log_records_reply(const std::vector<LogRow> &records) {
    json reply = ok_reply();
    reply["records"] = records;
    return reply;
}

} // namespace lkmfs::control
