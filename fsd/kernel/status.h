// Error values inside the daemon: an errno (as the kernel would return it, positive) and a
// message for people. Success is err == 0.
#pragma once

#include <string>
#include <utility>

namespace lkmfs {

struct Status {
    int err = 0;
    std::string message;

    static Status ok() { return {}; }
    static Status error(int err, std::string message) { return {err, std::move(message)}; }
    explicit operator bool() const { return err == 0; }
};

} // namespace lkmfs
