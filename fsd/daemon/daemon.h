// lkmfsd's life: configuration, mount, control socket, configured modules, serving, and
// the orderly shutdown (module exits in reverse load order, then the unmount).
#pragma once

#include <string>
#include <vector>

namespace lkmfs::daemon {

struct DaemonOptions {
    std::string mountpoint;
    std::string config_path;                // empty: the built-in default configuration
    bool foreground = false;                // -f: stay attached to the terminal
    bool debug = false;                     // -d: libfuse's request trace (implies -f)
    std::vector<std::string> mount_options; // -o, added to the configuration's
};

// Runs the daemon; returns the process exit status. Without `foreground` it returns in the
// parent once the child serves (0) or failed (1, after printing why).
int run_daemon(const DaemonOptions &options);

} // namespace lkmfs::daemon
