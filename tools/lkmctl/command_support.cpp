#include "command_support.h"

#include "daemon_locator.h"
#include "kmod_wording.h"

#include <cerrno>
#include <cstdio>
#include <string>

namespace lkmfs::lkmctl {

bool connect_to_daemon(const GlobalOptions &global, DaemonConnection *connection) {
    std::string socket_path;
    if (control::Error e = locate_daemon(global.mountpoint, &socket_path)) {
        print_lkmctl_error(e.message);
        return false;
    }
    if (control::Error e = connection->connect(socket_path)) {
        print_lkmctl_error(e.message);
        return false;
    }
    return true;
}

void print_kmod_error(std::string_view tool, std::string_view message) {
    std::fprintf(stderr, "%.*s: ERROR: %.*s\n", static_cast<int>(tool.size()), tool.data(),
                 static_cast<int>(message.size()), message.data());
}

void print_lkmctl_error(std::string_view message) {
    std::fprintf(stderr, "lkmctl: %.*s\n", static_cast<int>(message.size()), message.data());
}

bool write_stdout(std::string_view text) {
    return std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
}

int finish_stdout(std::string_view tool, int status) {
    if (std::fflush(stdout) == 0 && !std::ferror(stdout))
        return status;
    int err = errno;
    if (err == EPIPE)
        return status;
    std::fprintf(stderr, "%.*s: write failed: %s\n", static_cast<int>(tool.size()), tool.data(),
                 errno_text(err).c_str());
    return 1;
}

} // namespace lkmfs::lkmctl
