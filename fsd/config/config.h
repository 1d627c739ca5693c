// The daemon's configuration: what to mount, which modules to load, how to log, who may
// use the control socket. Read from YAML (see config/lkmfs.yaml, which is also the built-in
// default). Nothing here throws; a bad file yields one message that names the file, the
// line and column, and the full key path.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lkmfs::config {

struct ModuleToLoad {
    // A NAME (searched in the module path) or a path to NAME.ko. A relative path (one that
    // contains '/' or ends in ".ko") is resolved against the config file's directory.
    std::string module;
    std::string params; // "a=1 b=x", as insmod takes them

    bool operator==(const ModuleToLoad &) const = default;
};

enum class Access { All, Owner };

// What becomes of a call whose module code oopsed: its process is killed (SIGKILL), as
// Linux kills the task that oopsed, or the call fails with EIO.
enum class OopsAction { Kill, Eio };

// Fault injection for one module, with Linux's fault attributes (see fault_inject.h).
struct FaultAttrConfig {
    unsigned long probability = 100; // percent
    unsigned long interval = 1;      // only every interval-th call may fail
    long times = -1;                 // failures at most; -1: no limit
    long space = 0;                  // bytes let through first
    int verbose = 2;                 // 0 silent, 1 report, 2 report and call trace

    bool operator==(const FaultAttrConfig &) const = default;
};

struct ModuleFaultInjection {
    std::string module;
    std::optional<FaultAttrConfig> failslab;      // allocations return NULL
    std::optional<FaultAttrConfig> fail_usercopy; // user copies fail (EFAULT)

    bool operator==(const ModuleFaultInjection &) const = default;
};

struct Config {
    // mount:
    std::vector<std::string> mount_options; // extra -o options, e.g. "allow_other";
                                            // "default_permissions" is always added by the daemon
    unsigned max_threads = 64;              // FUSE worker cap (handlers may sleep)
    unsigned max_idle_threads = 8;

    // modules:
    std::vector<std::string> module_path; // directories searched for NAME.ko, in order; relative
                                          // paths are resolved against the config file's directory
    std::vector<ModuleToLoad> load;       // loaded at start, in order

    // log (printk):
    std::size_t log_buf_bytes = 1 << 20; // integers or sizes like 64K, 1M, 1MiB; 4 KiB .. 256 MiB
    int console_loglevel = 4; // 0..8: records with level < this also go to stderr, like Linux's
                              // console_loglevel

    // control:
    std::string control_socket;       // empty: automatic location; a relative path is resolved
                                      // against the config file's directory
    Access read_access = Access::All; // who may lsmod/modinfo/dmesg through the socket;
                                      // insmod/rmmod are always root-or-owner only

    // debug:
    OopsAction oops = OopsAction::Kill;
    bool lockdep = true;      // lock-order inversions and recursive locking reported
    bool might_sleep = true;  // sleeping in atomic context reported
    bool lock_misuse = true;  // spinlock recursion / bad unlock, mutex unlocked by another thread
    bool kmemleak = true;     // rmmod reports each leaked object with its allocation backtrace
    int watchdog_thresh = 10; // seconds, 0..60: module code busy 2x this long without sleeping
                              // is a soft lockup (Linux's kernel.watchdog_thresh); 0: off
    std::vector<ModuleFaultInjection> fault_injection; // by module name

    bool operator==(const Config &) const = default;
};

struct ConfigError {
    // "FILE:LINE:COL: key 'log.console_level': expected an integer 0..8, got 'loud'"
    std::string message;
};

// Reads and parses the file at `path`; relative paths inside it are resolved against the
// file's directory. On error `out` is left untouched.
std::optional<ConfigError> load_config_file(const std::string &path, Config *out);

// Parses YAML text. `source_name` prefixes error messages; relative paths are resolved
// against `base_dir` (left relative when it is empty). On error `out` is left untouched.
std::optional<ConfigError> parse_config(std::string_view yaml_text, std::string_view source_name,
                                        const std::string &base_dir, Config *out);

// The configuration used without --config: config/lkmfs.yaml as embedded at build time.
Config default_config();
std::string_view default_config_text();

} // namespace lkmfs::config
