#include "access_policy.h"

#include <cerrno>

namespace lkmfs::control {

namespace {

bool changes_kernel(Op op) {
    return op == Op::Insmod || op == Op::Rmmod || op == Op::SetParam || op == Op::Fault;
}

} // namespace

bool is_privileged(const PeerCred &peer, const ControlOptions &options) {
    return peer.uid == 0 || peer.uid == options.owner_uid;
}

Error authorize(Op op, const PeerCred &peer, const ControlOptions &options) {
    bool allowed = is_privileged(peer, options) ||
                   (!changes_kernel(op) && options.read_access == ReadAccess::All);
    if (allowed)
        return {};
    return {EPERM, "Operation not permitted"};
}

} // namespace lkmfs::control
