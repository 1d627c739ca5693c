#include "kernel_backend.h"

#include "kernel/fault_inject.h"
#include "kernel/kernel.h"

#include <cerrno>
#include <optional>

namespace lkmfs::daemon {

namespace {

control::Error to_error(const Status &st) {
    return {st.err, st.message};
}

kernel::Caller caller_of(const control::PeerCred &peer) {
    return {peer.pid, peer.uid, peer.gid};
}

control::RmmodWait to_wait(const kernel::UnloadWait &w) {
    control::RmmodWait wait{w.module, w.forced, {}};
    for (const kernel::CallReport &c : w.calls)
        wait.calls.push_back({c.entry, c.handler, c.pid, c.comm, std::string(1, c.state)});
    return wait;
}

control::LogRow to_row(const kernel::LogRecord &r) {
    return {r.seq, r.ts_usec, r.level, r.facility, r.cont, r.text};
}

} // namespace

control::Error KernelBackend::insmod(std::span<const std::byte> image, const std::string &origin,
                                     const std::string &params, const control::PeerCred &peer,
                                     std::string *name) {
    return to_error(kernel_.modules().insmod(image, origin, params, caller_of(peer), name));
}

control::Error KernelBackend::rmmod(const std::string &name, bool force,
                                    const control::PeerCred &peer,
                                    const control::RmmodProgress &progress) {
    kernel::UnloadProgress report;
    if (progress)
        report = [&progress](const kernel::UnloadWait &wait) { progress(to_wait(wait)); };
    return to_error(kernel_.modules().rmmod(name, force, caller_of(peer), report));
}

std::vector<control::ModuleRow> KernelBackend::lsmod() {
    std::vector<control::ModuleRow> rows;
    for (auto &m : kernel_.modules().list())
        rows.push_back({m.name, m.size, m.refcount, m.holders, m.state, m.address, m.taints});
    return rows;
}

control::Error KernelBackend::modinfo(const std::string &name, control::ModuleInfo *out) {
    kernel::ModInfo info;
    Status st = kernel_.modules().modinfo(name, &info);
    if (!st)
        return to_error(st);
    out->fields.clear();
    for (auto &[key, value] : info) {
        if (key == "filename")
            out->filename = value;
        else
            out->fields.emplace_back(key, value);
    }
    return {};
}

std::vector<control::LogRow> KernelBackend::log_snapshot() {
    std::vector<control::LogRow> rows;
    for (auto &r : kernel_.log().snapshot())
        rows.push_back(to_row(r));
    return rows;
}

std::vector<control::LogRow> KernelBackend::log_wait(std::uint64_t next_seq,
                                                     const std::function<bool()> &cancelled) {
    auto &log = kernel_.log();
    std::vector<control::LogRow> rows;
    if (!log.wait_for(next_seq, cancelled))
        return rows;
    std::uint64_t seq = next_seq;
    while (true) {
        kernel::LogRead r = log.read(seq);
        if (r.status == kernel::LogRead::Status::End)
            break;
        if (r.status == kernel::LogRead::Status::Record)
            rows.push_back(to_row(r.record));
        seq = r.next_seq;
    }
    return rows;
}

void KernelBackend::log_kick() {
    kernel_.log().kick_waiters();
}

control::Error KernelBackend::params(const std::string &name, const control::PeerCred &peer,
                                     bool read_all, std::vector<control::ParamRow> *out) {
    std::vector<kernel::ParamValue> values;
    if (Status st = kernel_.modules().params(name, caller_of(peer), read_all, &values); !st)
        return to_error(st);
    out->clear();
    for (auto &v : values)
        out->push_back({v.name, v.type, v.perm, v.readable, v.value});
    return {};
}

control::Error KernelBackend::set_param(const std::string &name, const std::string &param,
                                        const std::string &value, const control::PeerCred &peer) {
    return to_error(kernel_.modules().set_param(name, param, value, caller_of(peer)));
}

control::Error KernelBackend::fault(const std::string &name, const std::string &kind, bool off,
                                    const control::FaultRow *attr,
                                    std::vector<control::FaultRow> *out) {
    namespace fi = kernel::fault_inject;
    if (!kind.empty()) {
        std::optional<fi::Kind> which = fi::kind_from_name(kind);
        if (!which)
            return {EINVAL, "unknown fault injection '" + kind + "'"};
        if (off)
            fi::set(name, *which, std::nullopt);
        else if (attr != nullptr)
            fi::set(name, *which,
                    fi::Attr{attr->probability, attr->interval, attr->times, attr->space,
                             attr->verbose});
    }
    out->clear();
    for (fi::Kind k : {fi::Kind::Failslab, fi::Kind::FailUsercopy})
        if (std::optional<fi::Attr> a = fi::get(name, k))
            out->push_back(
                {fi::kind_name(k), a->probability, a->interval, a->times, a->space, a->verbose});
    return {};
}

} // namespace lkmfs::daemon
