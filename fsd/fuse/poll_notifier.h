// FUSE poll handles as procfs notifiers: the bridge's half of poll/select/epoll.
//
// The kernel's FUSE client asks for a notification (FUSE_POLL_SCHEDULE_NOTIFY, so libfuse
// passes a fuse_pollhandle) whenever a poller will sleep. The handle names the kernel's
// open file, so the newest one serves every later wake-up of that file; procfs keeps it
// inside the notifier until the next poll replaces it or the file is released, and the
// last copy of the notifier destroys it.
#pragma once

#include "procfs/file_poll.h"

#include <memory>
#include <shared_mutex>

struct fuse_pollhandle;

namespace lkmfs::fuse {

// Notifications write to the session's device descriptor, which the unmount closes (and
// the number may then be reused): the bridge closes the gate first, and no notification
// goes out afterwards, whichever thread wakes a queue.
class NotifyGate {
  public:
    // Runs `send` unless the gate is closed; close() waits for a send in progress.
    template <class F>
    void send_if_open(F &&send) {
        std::shared_lock lock(mutex_);
        if (open_)
            send();
    }
    void close() {
        std::unique_lock lock(mutex_);
        open_ = false;
    }

  private:
    std::shared_mutex mutex_;
    bool open_ = true;
};

// Owns `ph`: fuse_lowlevel_notify_poll(ph) through `gate`; destroyed with the last copy.
procfs::PollNotify make_poll_notifier(const std::shared_ptr<NotifyGate> &gate, fuse_pollhandle *ph);

} // namespace lkmfs::fuse
