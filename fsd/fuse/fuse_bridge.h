// The FUSE side of lkmfs: libfuse3's low-level operations mapped onto the /proc tree.
#pragma once

#include "kernel/status.h"

#include <pthread.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

struct fuse_session;

namespace lkmfs::procfs {
class ProcTree;
}

namespace lkmfs::fuse {

struct MountOptions {
    std::vector<std::string> options; // extra -o options
    bool allow_other = false;         // others may use the mount (root daemons: always)
    bool debug = false;               // libfuse's request trace on stderr
    unsigned max_threads = 64;
    unsigned max_idle_threads = 8;
};

class FuseBridge {
  public:
    explicit FuseBridge(procfs::ProcTree &tree);
    ~FuseBridge();
    FuseBridge(const FuseBridge &) = delete;
    FuseBridge &operator=(const FuseBridge &) = delete;

    Status mount(const std::string &mountpoint, const MountOptions &options);
    // Serves requests until request_exit() or an external unmount. Returns 0 or an error.
    int serve();
    // From any thread (e.g. a signal handler thread): makes serve() return.
    void request_exit();
    void unmount();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

} // namespace lkmfs::fuse
