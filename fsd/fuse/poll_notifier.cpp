#include "poll_notifier.h"

#include <fuse_lowlevel.h>

namespace lkmfs::fuse {

procfs::PollNotify make_poll_notifier(const std::shared_ptr<NotifyGate> &gate,
                                      fuse_pollhandle *ph) {
    // fuse_pollhandle_destroy() only frees the handle: safe even after the session is gone.
    std::shared_ptr<fuse_pollhandle> handle(ph, fuse_pollhandle_destroy);
    return [gate, handle] {
        // Errors need no handling: a file the kernel has already let go (ENOENT is not
        // even reported by the kernel) or a connection that is gone has no poller to wake.
        gate->send_if_open([&] { fuse_lowlevel_notify_poll(handle.get()); });
    };
}

} // namespace lkmfs::fuse
