// An lkmfsd under test: started in the foreground on a fresh temporary mountpoint with its
// own configuration and control socket; stopped, unmounted and removed by the destructor,
// whatever happened in the test (lazily unmounted and SIGKILLed if it does not stop).
#pragma once

#include "subprocess.h"

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lkmfs::testing {

// Where the build tree keeps what the tests run (set by CMake). LKMFS_TEST_DAEMON_TREE, if
// set, names another tree whose bin/ (lkmfsd, lkmctl) the tests run instead:
// scripts/sanitize.sh points it at a sanitizer build, so these test programs, built once,
// drive an instrumented daemon. Modules are never instrumented, so they still come from
// this tree.
struct BuildTree {
    static std::string daemon_root();
    static std::string bin(const std::string &name);           // bin/NAME
    static std::string kdir();                                 // lib/lkmfs/build
    static std::string sample_module(const std::string &name); // lib/lkmfs/modules/NAME.ko
    static std::string test_module(const std::string &name);   // tests/modules/NAME.ko
    static std::string test_module_dir();                      // tests/modules
};

class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }
    std::string operator/(const std::string &name) const { return path_ + "/" + name; }
    void write(const std::string &name, const std::string &content) const;

  private:
    std::string path_;
};

// A configuration (for DaemonOptions::config) that loads these test modules at start, e.g.
// test_modules_config("kp_tree, kp_pos"): tests/modules is searched first.
std::string test_modules_config(const std::string &names);

struct DaemonOptions {
    // The YAML configuration, without the control section (the fixture adds its own
    // socket). The default loads no modules.
    std::string config = "modules:\n  load: []\n";
    std::vector<std::string> extra_args;
    bool wait_until_mounted = true;
    std::optional<uid_t> run_as_uid; // run the daemon as this user (via setpriv)
    std::optional<gid_t> run_as_gid;
    // The daemon binary; empty: the build tree's lkmfsd.
    std::string binary;
    // Mount on this existing directory instead of a fresh one (which is neither created nor
    // removed); for tests of busy and stale mountpoints.
    std::string mountpoint;
};

class Daemon {
  public:
    explicit Daemon(DaemonOptions options = {});
    ~Daemon();
    Daemon(const Daemon &) = delete;
    Daemon &operator=(const Daemon &) = delete;

    bool started() const { return mounted_; }
    const std::string &mnt() const { return mnt_; }
    std::string path(const std::string &rel) const { return mnt_ + "/" + rel; }
    const std::string &socket() const { return socket_; }
    pid_t pid() const { return pid_; }
    const TempDir &dir() const { return dir_; }

    // lkmctl against this daemon (LKMFS_SOCKET set).
    RunResult lkmctl(const std::vector<std::string> &args, const RunOptions &options = {}) const;
    // What the daemon printed on stdout/stderr so far.
    std::string output() const;

    // Sends `sig` and waits for the daemon to exit; returns its exit status (or -1 if it
    // had to be killed after `timeout_ms`).
    int stop(int sig = 15, int timeout_ms = 10000);
    // Waits for the daemon to exit on its own (no signal sent); returns its exit status, or
    // -1 if it still runs after `timeout_ms` (it is left running: the destructor stops it).
    int wait_exit(int timeout_ms = 10000);

  private:
    TempDir dir_;
    std::string mnt_;
    std::string socket_;
    std::string log_;
    pid_t pid_ = -1;
    bool mounted_ = false;
};

// Whether `path` is a mountpoint of this mount namespace (per /proc/self/mountinfo).
bool is_mounted(const std::string &path);
// How many mounts are stacked at `path` (0 if none).
int mount_count(const std::string &path);
// The mountinfo line of the topmost mount at `path`, or "".
std::string mountinfo_line(const std::string &path);
// Polls `pred` every 10 ms until it is true or `timeout_ms` passed.
bool wait_for(const std::function<bool()> &pred, int timeout_ms = 5000);

// Builds a module from `sources` (file name -> content) with a seed-style Makefile against
// the build tree's KDIR; returns the .ko path or "" (with the build output in *log).
std::string build_module(const TempDir &dir, const std::string &name,
                         const std::vector<std::pair<std::string, std::string>> &sources,
                         std::string *log);

} // namespace lkmfs::testing
