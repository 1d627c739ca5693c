#include "daemon.h"

#include "config/config.h"
#include "control/control_server.h"
#include "control/socket_dir.h"
#include "fuse/fuse_bridge.h"
#include "kernel/kernel.h"
#include "kernel_backend.h"
#include "module_path.h"
#include "mountpoint.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include <linux/printk.h>

namespace lkmfs::daemon {

namespace {

// The parent of a backgrounded daemon waits on this pipe: the child writes "ok" once it
// serves, or the reason it failed; the parent prints that and exits accordingly.
class Readiness {
  public:
    // Forks. Returns in the child (with the pipe's write end) or, in the parent, exits.
    void detach() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            std::perror("lkmfsd: pipe");
            std::exit(1);
        }
        pid_t pid = ::fork();
        if (pid < 0) {
            std::perror("lkmfsd: fork");
            std::exit(1);
        }
        if (pid > 0) {
            ::close(fds[1]);
            std::string message;
            char buf[512];
            ssize_t n;
            while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
                message.append(buf, static_cast<std::size_t>(n));
            if (message == "ok")
                std::exit(0);
            if (message.empty()) {
                int status = 0;
                ::waitpid(pid, &status, 0);
                std::fprintf(stderr, "lkmfsd: the daemon exited during start-up\n");
            }
            std::exit(1);
        }
        ::close(fds[0]);
        fd_ = fds[1];
        ::setsid();
    }

    // Tells the waiting parent that we serve, and lets go of the terminal.
    void ready() {
        if (fd_ < 0)
            return;
        (void)!::write(fd_, "ok", 2);
        ::close(fd_);
        fd_ = -1;
        int null = ::open("/dev/null", O_RDWR);
        if (null >= 0) {
            ::dup2(null, 0);
            ::dup2(null, 1);
            ::dup2(null, 2);
            if (null > 2)
                ::close(null);
        }
    }

    // A failure before ready(): the parent prints it (we are still on the terminal, too).
    void failed() {
        if (fd_ >= 0) {
            (void)!::write(fd_, "failed", 6);
            ::close(fd_);
            fd_ = -1;
        }
    }

  private:
    int fd_ = -1;
};

int fail(Readiness &readiness, const std::string &message) {
    std::fprintf(stderr, "lkmfsd: %s\n", message.c_str());
    readiness.failed();
    return 1;
}

Status read_file(const std::string &path, std::vector<std::byte> *out) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Status::error(errno, path + ": " + std::strerror(errno));
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    out->resize(bytes.size());
    std::memcpy(out->data(), bytes.data(), bytes.size());
    return Status::ok();
}

// debug.fault_injection in the kernel's terms.
std::vector<kernel::FaultInjection>
kernel_fault_injection(const std::vector<config::ModuleFaultInjection> &configured) {
    auto attr = [](const config::FaultAttrConfig &c) {
        return kernel::fault_inject::Attr{c.probability, c.interval, c.times, c.space, c.verbose};
    };
    std::vector<kernel::FaultInjection> out;
    for (const config::ModuleFaultInjection &m : configured) {
        if (m.failslab)
            out.push_back({m.module, kernel::fault_inject::Kind::Failslab, attr(*m.failslab)});
        if (m.fail_usercopy)
            out.push_back(
                {m.module, kernel::fault_inject::Kind::FailUsercopy, attr(*m.fail_usercopy)});
    }
    return out;
}

void load_configured_modules(kernel::Kernel &kernel, const config::Config &cfg) {
    std::vector<std::string> dirs = cfg.module_path;
    dirs.push_back(builtin_module_dir());
    kernel::Caller self{::getpid(), ::getuid(), ::getgid()};
    for (const auto &m : cfg.load) {
        std::string path;
        std::vector<std::byte> image;
        Status st = find_module_file(m.module, dirs, &path);
        if (st)
            st = read_file(path, &image);
        std::string name;
        if (st)
            st = kernel.modules().insmod(image, path, m.params, self, &name);
        // A module that does not load is reported; the others and the mount carry on.
        if (!st)
            std::fprintf(stderr, "lkmfsd: could not load module %s: %s\n", m.module.c_str(),
                         st.message.c_str());
    }
}

// Waits for SIGINT/SIGTERM (blocked in every thread) and turns them into a shutdown.
class SignalWatcher {
  public:
    SignalWatcher(kernel::Kernel &kernel, fuse::FuseBridge &bridge)
        : thread_([this, &kernel, &bridge] { watch(kernel, bridge); }) {}
    ~SignalWatcher() {
        stopping_ = true;
        pthread_kill(thread_.native_handle(), SIGUSR2);
        thread_.join();
    }
    SignalWatcher(const SignalWatcher &) = delete;
    SignalWatcher &operator=(const SignalWatcher &) = delete;

    static void block_in_all_threads() {
        sigset_t set = watched();
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        ::signal(SIGPIPE, SIG_IGN);
    }

  private:
    static sigset_t watched() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGUSR2); // our own wake-up at exit
        return set;
    }
    void watch(kernel::Kernel &kernel, fuse::FuseBridge &bridge) {
        sigset_t set = watched();
        while (true) {
            int sig = 0;
            if (sigwait(&set, &sig) != 0 || stopping_)
                return;
            if (sig == SIGHUP)
                continue; // no reloadable state yet; do not die of a closed terminal
            kernel.begin_shutdown();
            bridge.request_exit();
            return;
        }
    }
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace

int run_daemon(const DaemonOptions &options) {
    config::Config cfg;
    if (!options.config_path.empty()) {
        if (auto err = config::load_config_file(options.config_path, &cfg)) {
            std::fprintf(stderr, "lkmfsd: %s\n", err->message.c_str());
            return 2;
        }
    } else {
        cfg = config::default_config();
    }

    std::string mountpoint;
    if (Status st = prepare_mountpoint(options.mountpoint, &mountpoint); !st) {
        std::fprintf(stderr, "lkmfsd: %s\n", st.message.c_str());
        return 1;
    }

    Readiness readiness;
    if (!options.foreground && !options.debug)
        readiness.detach();
    SignalWatcher::block_in_all_threads();

    kernel::KernelOptions kopts;
    kopts.log_buf_bytes = cfg.log_buf_bytes;
    kopts.console_loglevel = cfg.console_loglevel;
    kopts.oops_kills_caller = cfg.oops == config::OopsAction::Kill;
    kopts.kmemleak = cfg.kmemleak;
    kopts.lock_checks = {cfg.lockdep, cfg.might_sleep, cfg.lock_misuse};
    kopts.softlockup_threshold = std::chrono::seconds(2 * cfg.watchdog_thresh);
    kopts.fault_injection = kernel_fault_injection(cfg.fault_injection);
    kopts.owner_uid = ::getuid();
    kopts.owner_gid = ::getgid();
    kernel::Kernel kernel(kopts);
    printk(KERN_INFO "lkmfs: kernel %s started (vermagic \"%s\")\n", LKMFS_UTS_RELEASE,
           LKMFS_VERMAGIC);

    fuse::FuseBridge bridge(kernel.proc());
    fuse::MountOptions mopts;
    mopts.options = cfg.mount_options;
    mopts.options.insert(mopts.options.end(), options.mount_options.begin(),
                         options.mount_options.end());
    mopts.allow_other = ::geteuid() == 0; // like /proc, readable by every user
    mopts.debug = options.debug;
    mopts.max_threads = cfg.max_threads;
    mopts.max_idle_threads = cfg.max_idle_threads;
    if (Status st = bridge.mount(mountpoint, mopts); !st)
        return fail(readiness, st.message);

    KernelBackend backend(kernel);
    control::ControlOptions copts;
    const char *xdg = std::getenv("XDG_RUNTIME_DIR");
    copts.socket_path = !cfg.control_socket.empty()
                            ? cfg.control_socket
                            : control::socket_path_for(mountpoint, ::getuid(), xdg);
    copts.mountpoint = mountpoint;
    copts.owner_uid = ::getuid();
    copts.read_access = cfg.read_access == config::Access::Owner ? control::ReadAccess::Owner
                                                                 : control::ReadAccess::All;
    // The configured modules are in before the control socket appears: whoever sees the
    // socket (lkmctl, a test, a service manager) sees the daemon as configured.
    load_configured_modules(kernel, cfg);
    control::ControlServer control(backend, copts);
    if (control::Error err = control.start()) {
        kernel.modules().unload_all(kernel::Caller{::getpid(), ::getuid(), ::getgid()});
        return fail(readiness, "control socket " + copts.socket_path + ": " + err.message);
    }

    printk(KERN_INFO "lkmfs: serving %s (control socket %s)\n", mountpoint.c_str(),
           copts.socket_path.c_str());
    if (options.foreground || options.debug)
        std::fprintf(stderr, "lkmfsd: serving %s; control socket %s\n", mountpoint.c_str(),
                     copts.socket_path.c_str());
    readiness.ready();

    int ret = 0;
    {
        SignalWatcher signals(kernel, bridge);
        ret = bridge.serve();
    }
    // Shutdown: no new control requests; module exits newest first; then the unmount.
    control.stop();
    kernel.modules().unload_all(kernel::Caller{::getpid(), ::getuid(), ::getgid()});
    bridge.unmount();
    return ret == 0 ? 0 : 1;
}

} // namespace lkmfs::daemon
