#include "lkmfs_daemon.h"

#include "sanitizer_report.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef LKMFS_BUILD_DIR
#error "LKMFS_BUILD_DIR must name the build tree"
#endif

namespace lkmfs::testing {

namespace fs = std::filesystem;

std::string BuildTree::daemon_root() {
    const char *other = std::getenv("LKMFS_TEST_DAEMON_TREE");
    return other != nullptr && *other != '\0' ? std::string(other) : std::string(LKMFS_BUILD_DIR);
}
std::string BuildTree::bin(const std::string &name) {
    return daemon_root() + "/bin/" + name;
}
std::string BuildTree::kdir() {
    return std::string(LKMFS_BUILD_DIR) + "/lib/lkmfs/build";
}
std::string BuildTree::sample_module(const std::string &name) {
    return std::string(LKMFS_BUILD_DIR) + "/lib/lkmfs/modules/" + name + ".ko";
}
std::string BuildTree::test_module(const std::string &name) {
    return test_module_dir() + "/" + name + ".ko";
}
std::string BuildTree::test_module_dir() {
    return std::string(LKMFS_BUILD_DIR) + "/tests/modules";
}

std::string test_modules_config(const std::string &names) {
    return "modules:\n  path: [" + BuildTree::test_module_dir() + "]\n  load: [" + names + "]\n";
}

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "lkmfs-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    // Readable by a throwaway user in the ordinary-user tests.
    chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

void TempDir::write(const std::string &name, const std::string &content) const {
    std::ofstream(path_ + "/" + name) << content;
}

namespace {

// The mountinfo lines whose mount point is `path`, bottom first.
std::vector<std::string> mountinfo_lines(const std::string &path) {
    std::vector<std::string> found;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, dev, root, mnt;
        fields >> id >> parent >> dev >> root >> mnt;
        if (mnt == path)
            found.push_back(line);
    }
    return found;
}

} // namespace

bool is_mounted(const std::string &path) {
    return !mountinfo_lines(path).empty();
}

int mount_count(const std::string &path) {
    return static_cast<int>(mountinfo_lines(path).size());
}

std::string mountinfo_line(const std::string &path) {
    auto lines = mountinfo_lines(path);
    return lines.empty() ? "" : lines.back();
}

bool wait_for(const std::function<bool()> &pred, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

Daemon::Daemon(DaemonOptions options) {
    mnt_ = options.mountpoint.empty() ? dir_ / "mnt" : options.mountpoint;
    socket_ = dir_ / "control.sock";
    log_ = dir_ / "daemon.log";
    if (options.mountpoint.empty())
        fs::create_directory(mnt_);
    if (options.run_as_uid) {
        // The daemon creates its control socket in dir_, and mounts on mnt_.
        gid_t gid = options.run_as_gid.value_or(*options.run_as_uid);
        (void)!chown(dir_.path().c_str(), *options.run_as_uid, gid);
        if (options.mountpoint.empty())
            (void)!chown(mnt_.c_str(), *options.run_as_uid, gid);
    }
    std::string config = options.config + "\ncontrol:\n  socket: " + socket_ + "\n";
    dir_.write("lkmfs.yaml", config);

    std::vector<std::string> argv;
    if (options.run_as_uid) {
        argv = {"setpriv", "--reuid=" + std::to_string(*options.run_as_uid),
                "--regid=" + std::to_string(options.run_as_gid.value_or(*options.run_as_uid)),
                "--clear-groups", "--"};
    }
    argv.insert(argv.end(), {options.binary.empty() ? BuildTree::bin("lkmfsd") : options.binary,
                             mnt_, "-f", "--config", dir_ / "lkmfs.yaml"});
    argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());

    pid_ = fork();
    if (pid_ == 0) {
        int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        std::vector<char *> cargv;
        for (auto &a : argv)
            cargv.push_back(a.data());
        cargv.push_back(nullptr);
        execvp(cargv[0], cargv.data());
        _exit(127);
    }
    if (!options.wait_until_mounted)
        return;
    // Mounted, and the control socket answers: the daemon serves.
    mounted_ = wait_for(
        [&] {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return true; // exited: give up waiting
            }
            return is_mounted(mnt_) && access(socket_.c_str(), F_OK) == 0;
        },
        10000);
    mounted_ = mounted_ && pid_ > 0;
}

Daemon::~Daemon() {
    if (pid_ > 0)
        stop(SIGTERM, 10000);
    if (is_mounted(mnt_)) {
        run({"fusermount3", "-u", "-z", mnt_});
        if (is_mounted(mnt_))
            run({"umount", "-l", mnt_});
    }
    // In a sanitizer build, a report from the daemon fails the test that started it.
    std::string out = output();
    std::vector<std::string> reports = sanitizer_report_lines(out);
    if (!reports.empty())
        ADD_FAILURE() << reports.size()
                      << " sanitizer report(s) in lkmfsd's output, the first: " << reports.front()
                      << "\n"
                      << out;
}

RunResult Daemon::lkmctl(const std::vector<std::string> &args, const RunOptions &options) const {
    std::vector<std::string> argv = {BuildTree::bin("lkmctl")};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions opts = options;
    opts.env.emplace("LKMFS_SOCKET", socket_);
    return run(argv, opts);
}

std::string Daemon::output() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int Daemon::stop(int sig, int timeout_ms) {
    if (pid_ <= 0)
        return -1;
    kill(pid_, sig);
    int status = 0;
    bool exited = wait_for([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout_ms);
    if (!exited) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return -1;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int Daemon::wait_exit(int timeout_ms) {
    if (pid_ <= 0)
        return -1;
    int status = 0;
    if (!wait_for([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout_ms))
        return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string build_module(const TempDir &dir, const std::string &name,
                         const std::vector<std::pair<std::string, std::string>> &sources,
                         std::string *log) {
    std::string src = dir / ("src-" + name);
    fs::create_directories(src);
    bool has_makefile = false;
    for (const auto &[file, content] : sources) {
        std::ofstream(src + "/" + file) << content;
        has_makefile |= file == "Makefile";
    }
    if (!has_makefile)
        std::ofstream(src + "/Makefile") << "obj-m := " << name << ".o\n"
                                         << "KDIR ?= /lib/modules/$(shell uname -r)/build\n"
                                         << "all:\n\t$(MAKE) -C $(KDIR) M=$(PWD) modules\n"
                                         << "clean:\n\t$(MAKE) -C $(KDIR) M=$(PWD) clean\n";
    RunOptions opts;
    opts.cwd = src;
    opts.timeout = std::chrono::milliseconds(120000);
    RunResult r = run({"make", "KDIR=" + BuildTree::kdir()}, opts);
    if (log != nullptr)
        *log = r.out + r.err;
    std::string ko = src + "/" + name + ".ko";
    return r.status == 0 && fs::exists(ko) ? ko : "";
}

} // namespace lkmfs::testing
