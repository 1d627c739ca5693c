// Calls into an entry's proc_ops on behalf of the filesystem, with Linux 6.1's results
// for missing handlers and for entries that were removed while the file was open.
// The caller has set `current` (kernel::TaskScope); these set the module and user memory.
#pragma once

#include "open_file.h"

#include <cstddef>
#include <memory>

namespace lkmfs::procfs {

// DEFAULT_POLLMASK: what poll answers for entries without proc_poll.
inline constexpr __poll_t kDefaultPollMask = DEFAULT_POLLMASK;

struct OpenResult {
    int err = 0; // negative errno
    std::shared_ptr<OpenFile> file;
    bool nonseekable = false; // the handler called nonseekable_open()/stream_open()
};

OpenResult open_entry(const proc_dir_entry::Ptr &entry, int open_flags);
// read/write return bytes or a negative errno. `user` is the caller's buffer; the
// handler gets it at a user address (kernel/user_window.h), as an ioctl's arg that
// points at `user`.
ssize_t read_file(OpenFile &file, char *user, std::size_t count, loff_t pos);
ssize_t write_file(OpenFile &file, const char *user, std::size_t count, loff_t pos);
long ioctl_file(OpenFile &file, unsigned int cmd, unsigned long arg, void *user,
                std::size_t user_size);
loff_t lseek_file(OpenFile &file, loff_t offset, int whence);
// poll/select/epoll: the events ready now. `events` are those the poller waits for
// (poll_requested_events()). With a `notify`, the poller will sleep: the handler's
// poll_wait() calls register the file on those queues, and their wake-ups call the newest
// notifier; without one, poll_wait() does nothing (poll_does_not_wait()).
__poll_t poll_file(OpenFile &file, __poll_t events = ~__poll_t{0}, PollNotify notify = {});
// The file's last close.
void release_file(const std::shared_ptr<OpenFile> &file);
// Release of a still-open file when its entry is removed (called by the entry's rundown).
void release_at_rundown(OpenFile &file);

} // namespace lkmfs::procfs
