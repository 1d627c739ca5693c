// What the control server needs from the daemon. The daemon implements it over its
// simulated kernel; tests implement it with fakes. Nothing here knows asio, FUSE or the
// kernel's own types.
#pragma once

#include "control_types.h"

#include <cerrno>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace lkmfs::control {

// Told what a removal waits for, whenever that changes (see ControlBackend::rmmod).
using RmmodProgress = std::function<void(const RmmodWait &)>;

class ControlBackend {
  public:
    virtual ~ControlBackend() = default;

    // Loads `image` (the bytes of NAME.ko; `origin` is the absolute path lkmctl read it
    // from) with parameters "a=1 b=x", on behalf of `peer`. Errors as init_module(2):
    // ENOEXEC, EEXIST, ENOENT, EINVAL, or what the module's init returned. May block for
    // as long as the module's init sleeps. Sets *name on success.
    virtual Error insmod(std::span<const std::byte> image, const std::string &origin,
                         const std::string &params, const PeerCred &peer, std::string *name) = 0;

    // Unloads a module, on behalf of `peer`. ENOENT if not loaded, EBUSY if in use (unless
    // force) or already being removed (force joins that removal instead). May block for as
    // long as the module's exit sleeps or waits for calls in flight on its /proc entries;
    // meanwhile `progress` (if set) is told which calls it waits for, and force interrupts
    // them.
    virtual Error rmmod(const std::string &name, bool force, const PeerCred &peer,
                        const RmmodProgress &progress) = 0;

    virtual std::vector<ModuleRow> lsmod() = 0;

    // ENOENT if no module by that name is loaded.
    virtual Error modinfo(const std::string &name, ModuleInfo *out) = 0;

    // Every record the log still holds, oldest first.
    virtual std::vector<LogRow> log_snapshot() = 0;

    // Blocks until a record with seq >= next_seq exists or `cancelled()` is true, then
    // returns the records from next_seq on (or from the oldest still kept, if next_seq was
    // overwritten); empty when cancelled. `cancelled` is checked on every wake-up.
    virtual std::vector<LogRow> log_wait(std::uint64_t next_seq,
                                         const std::function<bool()> &cancelled) = 0;

    // Wakes every log_wait caller so that it re-checks `cancelled`. Must synchronise with
    // the waiters (take their mutex before notifying), or a wake-up can be lost.
    virtual void log_kick() = 0;

    // The parameters of the live module `name` with a non-zero perm, sorted by name,
    // read (ops->get) on behalf of `peer`. The values of those not readable by all (no
    // S_IROTH) are read only when `read_all`; the others have readable == false. ENOENT if
    // no live module by that name. (Defaults: not supported, for backends without modules.)
    virtual Error params(const std::string & /*name*/, const PeerCred & /*peer*/, bool /*read_all*/,
                         std::vector<ParamRow> * /*out*/) {
        return {ENOSYS, "module parameters are not supported"};
    }

    // Sets a parameter of the live module `name` (ops->set), on behalf of `peer`. ENOENT
    // no such module or parameter, EACCES its perm has no write bit, otherwise what the
    // setter returned (the old value then stays). Messages name what was wrong.
    virtual Error set_param(const std::string & /*name*/, const std::string & /*param*/,
                            const std::string & /*value*/, const PeerCred & /*peer*/) {
        return {ENOSYS, "module parameters are not supported"};
    }

    // Fault injection for the module `name` (loaded or not): sets request.fault_kind to
    // request.fault_attr, or clears it (fault_off), or with no kind changes nothing; then
    // lists what is set for that module in *out. (Default: not supported.)
    virtual Error fault(const std::string & /*name*/, const std::string & /*kind*/, bool /*off*/,
                        const FaultRow * /*attr*/, std::vector<FaultRow> * /*out*/) {
        return {ENOSYS, "fault injection is not supported"};
    }
};

} // namespace lkmfs::control
