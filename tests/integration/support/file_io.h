// One read or write on a file of the mount, made by a child process with a deadline: the
// test sees the system call's exact return value and errno (which `cat` or `dd` would
// hide), and a handler that never returns fails the test instead of hanging it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace lkmfs::testing {

struct IoResult {
    bool opened = false;    // false: open(2) failed, with `err`
    ssize_t ret = -1;       // what read/pread/write/pwrite returned
    int err = 0;            // errno, when open or the call failed
    std::string data;       // the bytes read
    bool timed_out = false; // the child was killed at the deadline
};

constexpr std::chrono::milliseconds kIoTimeout{10000};

// open(path, O_RDONLY), then one pread(count, offset).
IoResult read_at(const std::string &path, std::size_t count, off_t offset = 0,
                 std::chrono::milliseconds timeout = kIoTimeout);
// open(path, O_WRONLY), then one pwrite(data, offset).
IoResult write_at(const std::string &path, std::string_view data, off_t offset = 0,
                  std::chrono::milliseconds timeout = kIoTimeout);
// One read(count) on `fd`, a descriptor the test holds open (the child shares it).
IoResult read_fd(int fd, std::size_t count, std::chrono::milliseconds timeout = kIoTimeout);

} // namespace lkmfs::testing
