// Calls into an entry's proc_ops on behalf of the filesystem, with Linux 6.1's results
// for missing handlers and for entries that were removed while the file was open.
// The caller has set `current` (kernel::TaskScope); these set the module and user memory.
#pragma once

#include "open_file.h"

#include <cstddef>
#include <memory>

namespace lkmfs::procfs {

// DEFAULT_POLLMASK: what poll answers for entries without proc_poll.
inline constexpr unsigned kDefaultPollMask = 0x0145; // EPOLLIN|EPOLLOUT|EPOLLRDNORM|EPOLLWRNORM

struct OpenResult {
    int err = 0; // negative errno
    std::shared_ptr<OpenFile> file;
    bool nonseekable = false; // the handler called nonseekable_open()/stream_open()
};

OpenResult open_entry(const proc_dir_entry::Ptr &entry, int open_flags);
// read/write return bytes or a negative errno. `user` is the caller's buffer.
ssize_t read_file(OpenFile &file, char *user, std::size_t count, loff_t pos);
ssize_t write_file(OpenFile &file, const char *user, std::size_t count, loff_t pos);
long ioctl_file(OpenFile &file, unsigned int cmd, unsigned long arg, void *user,
                std::size_t user_size);
loff_t lseek_file(OpenFile &file, loff_t offset, int whence);
unsigned poll_file(OpenFile &file);
// The file's last close.
void release_file(const std::shared_ptr<OpenFile> &file);
// Release of a still-open file when its entry is removed (called by the entry's rundown).
void release_at_rundown(OpenFile &file);

} // namespace lkmfs::procfs
