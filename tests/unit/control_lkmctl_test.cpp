// The real lkmctl binary against a control server with a fake backend: what users see,
// byte for byte, and the exit statuses scripts rely on. Also how lkmctl finds a daemon.
#include "control_test_support.h"

#include "control/control_server.h"
#include "control/socket_dir.h"
#include "daemon_locator.h"

#include <gtest/gtest.h>

#include <elf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

extern char **environ;

// This test program is itself a module file as far as modinfo is concerned: an x86-64
// shared object (a PIE) with a .modinfo section. One array keeps the fields in order.
__attribute__((section(".modinfo"), used)) static const char kFixtureModinfo[] =
    "license=GPL\0author=lkmfs tests\0parmtype=level:int\0parm=level:how loud";

namespace lkmfs::control {
namespace {

using namespace std::chrono_literals;
using testing::FakeBackend;
using testing::TempDir;

// One run of lkmctl, its output collected through pipes.
class LkmctlProcess {
  public:
    LkmctlProcess(const std::vector<std::string> &args, const std::string &socket_path,
                  const std::string &cwd = {}) {
        std::vector<std::string> env;
        for (char **e = environ; *e != nullptr; ++e)
            if (std::string_view(*e).rfind("LKMFS_SOCKET=", 0) != 0)
                env.emplace_back(*e);
        env.push_back("LKMFS_SOCKET=" + socket_path);
        std::vector<std::string> argv{LKMCTL_PATH};
        argv.insert(argv.end(), args.begin(), args.end());
        // Everything the child needs is prepared before fork: the parent has threads.
        auto pointers = [](std::vector<std::string> &strings) {
            std::vector<char *> p;
            for (auto &s : strings)
                p.push_back(s.data());
            p.push_back(nullptr);
            return p;
        };
        std::vector<char *> argv_p = pointers(argv), env_p = pointers(env);
        int out_pipe[2], err_pipe[2];
        if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe2 failed");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out_pipe[1], STDOUT_FILENO);
            ::dup2(err_pipe[1], STDERR_FILENO);
            if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
                ::_exit(126);
            ::execve(argv_p[0], argv_p.data(), env_p.data());
            ::_exit(127);
        }
        ::close(out_pipe[1]);
        ::close(err_pipe[1]);
        out_fd_ = out_pipe[0];
        err_fd_ = err_pipe[0];
    }
    ~LkmctlProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        close_stdout();
        if (err_fd_ >= 0)
            ::close(err_fd_);
    }
    LkmctlProcess(const LkmctlProcess &) = delete;
    LkmctlProcess &operator=(const LkmctlProcess &) = delete;

    // Reads output until stdout contains `text`; false on timeout or end of output.
    bool wait_for_stdout(const std::string &text, std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (out.find(text) == std::string::npos) {
            if (!pump(deadline))
                return out.find(text) != std::string::npos;
        }
        return true;
    }

    // Waits for exit; returns the exit status, or -1 if it had to be killed.
    int wait(std::chrono::milliseconds timeout = 10s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (pump(deadline)) {
        }
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(5ms);
        }
        return -1;
    }

    // Stops reading stdout, as `| head` does once satisfied.
    void close_stdout() {
        if (out_fd_ >= 0)
            ::close(std::exchange(out_fd_, -1));
    }

    std::string out, err;

  private:
    // Reads what is available; false once no pipe is open or the deadline passed.
    bool pump(std::chrono::steady_clock::time_point deadline) {
        std::vector<pollfd> fds;
        for (int fd : {out_fd_, err_fd_})
            if (fd >= 0)
                fds.push_back({fd, POLLIN, 0});
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (fds.empty() || left <= 0ms)
            return false;
        if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0)
            return false;
        for (const pollfd &p : fds) {
            if (p.revents == 0)
                continue;
            char buffer[4096];
            ssize_t n = ::read(p.fd, buffer, sizeof buffer);
            bool is_out = p.fd == out_fd_;
            if (n > 0) {
                (is_out ? out : err).append(buffer, static_cast<std::size_t>(n));
            } else {
                ::close(p.fd);
                (is_out ? out_fd_ : err_fd_) = -1;
            }
        }
        return true;
    }

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
};

struct RunResult {
    int status;
    std::string out, err;
};

class LkmctlTest : public ::testing::Test {
  protected:
    void SetUp() override {
        server = std::make_unique<ControlServer>(
            backend, ControlOptions{socket, "/mnt/lkmfs", ::geteuid(), ReadAccess::All});
        Error e = server->start();
        ASSERT_FALSE(e) << e.message;
    }

    RunResult run(const std::vector<std::string> &args, const std::string &cwd = {}) {
        LkmctlProcess p(args, socket, cwd);
        int status = p.wait();
        return {status, p.out, p.err};
    }

    std::string write_file(const std::string &name, std::size_t size) {
        std::string path = dir / name;
        std::ofstream file(path, std::ios::binary);
        for (std::size_t i = 0; i < size; ++i)
            file.put(static_cast<char>(i * 13 + 5));
        return path;
    }

    TempDir dir;
    std::string socket = dir / "ctl.sock";
    FakeBackend backend;
    std::unique_ptr<ControlServer> server;
};

// ---- insmod

TEST_F(LkmctlTest, InsmodSendsTheFileItsPathAndParameters) {
    std::string file = write_file("hello.ko", 300 * 1024);
    RunResult r = run({"insmod", file, "a=1", "msg=two words"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
    auto calls = backend.insmod_calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].image.size(), 300u * 1024);
    EXPECT_EQ(calls[0].image[1000], static_cast<std::byte>((1000 * 13 + 5) & 0xff));
    EXPECT_EQ(calls[0].origin, file);
    EXPECT_EQ(calls[0].params, "a=1 msg=two words"); // joined with spaces, as kmod 30
}

TEST_F(LkmctlTest, InsmodOfARelativePathReportsItAsKmodDoes) {
    write_file("hello.ko", 10);
    RunResult r = run({"insmod", "./hello.ko"}, dir.path());
    EXPECT_EQ(r.status, 0) << r.err;
    auto calls = backend.insmod_calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].origin, dir / "./hello.ko");
}

TEST_F(LkmctlTest, InsmodErrorsInKmodsWords) {
    std::string file = write_file("hello.ko", 10);
    const std::pair<int, const char *> cases[] = {
        {ENOEXEC, "Invalid module format"},
        {ENOENT, "Unknown symbol in module"},
        {ESRCH, "Module has wrong symbol version"},
        {EINVAL, "Invalid parameters"},
        {EEXIST, "File exists"},
        {EPERM, "Operation not permitted"},
        {ENOMEM, "Cannot allocate memory"},
    };
    for (const auto &[err, words] : cases) {
        backend.set_insmod_result({err, "details go to dmesg"});
        RunResult r = run({"insmod", file});
        EXPECT_EQ(r.status, 1);
        EXPECT_EQ(r.err, "insmod: ERROR: could not insert module " + file + ": " + words + "\n");
    }
}

TEST_F(LkmctlTest, InsmodOfAMissingFileNeverReachesTheDaemon) {
    RunResult r = run({"insmod", dir / "absent.ko"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "insmod: ERROR: could not load module " + (dir / "absent.ko") +
                         ": No such file or directory\n");
    EXPECT_TRUE(backend.insmod_calls().empty());

    r = run({"insmod"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "insmod: ERROR: missing filename.\n");
}

// ---- rmmod

TEST_F(LkmctlTest, RmmodOfAModuleNotLoaded) {
    RunResult r = run({"rmmod", "hello"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "rmmod: ERROR: Module hello is not currently loaded\n");
    EXPECT_TRUE(backend.rmmod_calls().empty());
}

TEST_F(LkmctlTest, RmmodNamesTheHolders) {
    backend.set_modules({{"kprovider", 16384, 2, {"kconsumer", "kother"}, "Live", 0, "OE"}});
    RunResult r = run({"rmmod", "kprovider"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "rmmod: ERROR: Module kprovider is in use by: kconsumer kother\n");
    EXPECT_TRUE(backend.rmmod_calls().empty());
}

TEST_F(LkmctlTest, RmmodOfAModuleInUseWithoutHolders) {
    backend.set_modules({{"hello", 16384, 1, {}, "Live", 0, "OE"}});
    RunResult r = run({"rmmod", "hello"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "rmmod: ERROR: Module hello is in use\n");
}

TEST_F(LkmctlTest, RmmodNormalisesNamesAsKmod) {
    backend.set_modules(
        {{"hello", 16384, 0, {}, "Live", 0, ""}, {"my_mod", 16384, 0, {}, "Live", 0, ""}});
    RunResult r = run({"rmmod", "hello.ko", "my-mod"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    auto calls = backend.rmmod_calls();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].name, "hello");
    EXPECT_EQ(calls[1].name, "my_mod");
    EXPECT_FALSE(calls[0].force);
}

TEST_F(LkmctlTest, RmmodForceSkipsTheCheckAndReportsTheDaemonsError) {
    backend.set_rmmod_result({ENOENT, "not loaded"});
    RunResult r = run({"rmmod", "-f", "hello"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "rmmod: ERROR: could not remove module hello: No such file or directory\n");
    auto calls = backend.rmmod_calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_TRUE(calls[0].force);
}

TEST_F(LkmctlTest, RmmodSaysWhatTheRemovalWaitsFor) {
    backend.set_modules({{"waitq", 16384, 0, {}, "Live", 0, ""}});
    backend.set_rmmod_waits({{"waitq", false, {{"waitq", "read", 4242, "cat", "S"}}}});
    RunResult r = run({"rmmod", "waitq"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "rmmod: waiting for 1 call into waitq to return:\n"
                     "rmmod:   read of waitq by pid 4242 (cat), asleep\n"
                     "rmmod: 'lkmctl rmmod -f waitq' interrupts them as a signal would\n"
                     "rmmod: Ctrl-C stops waiting here; the removal goes on\n");
    auto calls = backend.rmmod_calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_TRUE(calls[0].progress);
}

TEST_F(LkmctlTest, RmmodOfAModuleBeingRemovedPointsAtRmmodF) {
    backend.set_modules({{"waitq", 16384, -1, {}, "Unloading", 0, "OE"}});
    RunResult r = run({"rmmod", "waitq"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "rmmod: ERROR: Module waitq is already being removed ('lkmctl rmmod -f "
                     "waitq' interrupts the calls it waits for)\n");
    EXPECT_TRUE(backend.rmmod_calls().empty());
}

TEST_F(LkmctlTest, RmmodRefusedToANonOwner) {
    backend.set_modules({{"hello", 16384, 0, {}, "Live", 0, ""}});
    backend.set_rmmod_result({EPERM, "Operation not permitted"});
    RunResult r = run({"rmmod", "hello"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "rmmod: ERROR: could not remove module hello: Operation not permitted\n");
}

// ---- lsmod, modinfo

TEST_F(LkmctlTest, LsmodPrintsKmodsTable) {
    backend.set_modules({{"kconsumer", 16384, 0, {}, "Live", 0, "OE"},
                         {"kprovider", 20480, 1, {"kconsumer"}, "Live", 0, "OE"}});
    RunResult r = run({"lsmod"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "Module                  Size  Used by\n"
                     "kconsumer              16384  0\n"
                     "kprovider              20480  1 kconsumer\n");
}

TEST_F(LkmctlTest, ModinfoOfALoadedModule) {
    backend.set_modinfo({}, {"/src/my-mod.ko",
                             {{"license", "GPL"},
                              {"parm", "debug:enable debug"},
                              {"parmtype", "debug:int"},
                              {"vermagic", "6.1.0-lkmfs SMP mod_unload lkmfs-abi-1"}}});
    RunResult r = run({"modinfo", "my-mod"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "filename:       /src/my-mod.ko\n"
                     "license:        GPL\n"
                     "vermagic:       6.1.0-lkmfs SMP mod_unload lkmfs-abi-1\n"
                     "parm:           debug:enable debug (int)\n");
    EXPECT_EQ(backend.modinfo_calls(), std::vector<std::string>{"my_mod"});
}

TEST_F(LkmctlTest, ModinfoOfAnUnknownModule) {
    backend.set_modinfo({ENOENT, "no such module"});
    RunResult r = run({"modinfo", "nosuch"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "modinfo: ERROR: Module nosuch not found.\n");
}

TEST_F(LkmctlTest, ModinfoOfAFileReadsItWithoutTheDaemon) {
    std::ifstream self("/proc/self/exe", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), sizeof(Elf64_Ehdr));
    ASSERT_EQ(reinterpret_cast<const Elf64_Ehdr *>(bytes.data())->e_type, ET_DYN)
        << "this test needs the test program built as a PIE";
    std::string file = dir / "fixture.ko";
    std::ofstream(file, std::ios::binary) << bytes;
    server.reset(); // prove that no daemon is involved

    RunResult r = run({"modinfo", file});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "filename:       " + file +
                         "\n"
                         "license:        GPL\n"
                         "author:         lkmfs tests\n"
                         "parm:           level:how loud (int)\n");

    std::string junk = write_file("junk.ko", 100);
    r = run({"modinfo", junk});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "filename:       " + junk + "\n");
    EXPECT_EQ(r.err, "modinfo: ERROR: could not get modinfo from 'junk': Invalid argument\n");
}

// ---- dmesg

class LkmctlDmesgTest : public LkmctlTest {
  protected:
    void SetUp() override {
        LkmctlTest::SetUp();
        backend.append_log(6, "hello: loading out-of-tree module taints kernel.", 1234567);
        backend.append_log(3, "kbad: first line\nsecond line", 2000001);
    }
};

TEST_F(LkmctlDmesgTest, DefaultFormat) {
    RunResult r = run({"dmesg"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "[    1.234567] hello: loading out-of-tree module taints kernel.\n"
                     "[    2.000001] kbad: first line\n"
                     "               second line\n");
}

TEST_F(LkmctlDmesgTest, RawFormat) {
    RunResult r = run({"dmesg", "--raw"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "<6>[    1.234567] hello: loading out-of-tree module taints kernel.\n"
                     "<3>[    2.000001] kbad: first line\n"
                     "                  second line\n");
}

TEST_F(LkmctlDmesgTest, LevelFilter) {
    RunResult r = run({"dmesg", "-l", "err,crit"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "[    2.000001] kbad: first line\n"
                     "               second line\n");
    r = run({"dmesg", "-l", "info,notice"});
    EXPECT_EQ(r.out, "[    1.234567] hello: loading out-of-tree module taints kernel.\n");
}

TEST_F(LkmctlDmesgTest, UnknownLevel) {
    RunResult r = run({"dmesg", "-l", "err,loud"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "dmesg: unknown level 'loud'\n");
}

TEST_F(LkmctlDmesgTest, FollowPrintsNewRecordsAndEndsWhenTheServerStops) {
    LkmctlProcess p({"dmesg", "-w"}, socket);
    ASSERT_TRUE(p.wait_for_stdout("second line\n", 5s)) << p.out << p.err;
    ASSERT_TRUE(backend.wait_for_log_waiters(1, 5s));
    backend.append_log(4, "fresh record", 3000000);
    EXPECT_TRUE(p.wait_for_stdout("[    3.000000] fresh record\n", 5s)) << p.out;
    server->stop();
    EXPECT_EQ(p.wait(5s), 0) << p.err;
    EXPECT_EQ(p.err, "");
}

TEST_F(LkmctlDmesgTest, FollowStopsQuietlyWhenItsReaderGoesAway) {
    LkmctlProcess p({"dmesg", "-w"}, socket);
    ASSERT_TRUE(p.wait_for_stdout("second line\n", 5s));
    ASSERT_TRUE(backend.wait_for_log_waiters(1, 5s));
    p.close_stdout(); // as `lkmctl dmesg -w | head -2` does
    backend.append_log(6, "nobody reads this");
    EXPECT_EQ(p.wait(5s), 0);
    EXPECT_EQ(p.err, "");
    EXPECT_TRUE(backend.wait_for_log_waiters(0, 5s)); // and the daemon let go of it
}

// ---- finding the daemon

TEST_F(LkmctlTest, UnreachableSocketIsNamed) {
    std::string absent = dir / "absent.sock";
    LkmctlProcess p({"lsmod"}, absent);
    EXPECT_EQ(p.wait(), 1);
    EXPECT_EQ(p.err, "lkmctl: cannot connect to " + absent + ": No such file or directory\n");
}

TEST_F(LkmctlTest, VersionAndUsage) {
    RunResult r = run({"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out.rfind("lkmctl version ", 0), 0u) << r.out;
    r = run({});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("subcommand"), std::string::npos) << r.err;
}

class LkmctlLocatorTest : public ::testing::Test {
  protected:
    // A server for `mountpoint` in `socket_dir`, named as a daemon would name it.
    ControlServer &serve(const std::string &socket_dir, const std::string &mountpoint) {
        std::string path = socket_dir + "/" + socket_file_name(canonical_mountpoint(mountpoint));
        servers.push_back(std::make_unique<ControlServer>(
            backend, ControlOptions{path, mountpoint, ::geteuid(), ReadAccess::All}));
        Error e = servers.back()->start();
        EXPECT_FALSE(e) << e.message;
        return *servers.back();
    }

    TempDir root_dir, user_dir, mounts;
    FakeBackend backend;
    std::vector<std::unique_ptr<ControlServer>> servers;
    std::vector<std::string> dirs{root_dir.path(), user_dir.path()};
};

TEST_F(LkmctlLocatorTest, NoDaemon) {
    std::string found;
    Error e = lkmctl::locate_daemon_in(std::nullopt, dirs, &found);
    EXPECT_EQ(e.message, "no lkmfs daemon is running (start one with: lkmfsd MOUNTPOINT)");
    e = lkmctl::locate_daemon_in(mounts / "a", dirs, &found);
    EXPECT_EQ(e.message, "no lkmfs daemon is serving " + (mounts / "a") +
                             " (start one with: lkmfsd " + (mounts / "a") + ")");
}

TEST_F(LkmctlLocatorTest, TheOnlyDaemonIsChosenAndStaleSocketsIgnored) {
    serve(user_dir.path(), mounts / "a");
    serve(root_dir.path(), mounts / "gone");
    servers.back()->stop();                              // removes its socket...
    { std::ofstream(root_dir / "leftover.sock") << ""; } // ...but a crash leaves one
    std::string found;
    Error e = lkmctl::locate_daemon_in(std::nullopt, dirs, &found);
    ASSERT_FALSE(e) << e.message;
    EXPECT_EQ(found, user_dir / socket_file_name(mounts / "a"));
}

TEST_F(LkmctlLocatorTest, SeveralDaemonsNeedMountpoint) {
    ASSERT_EQ(::mkdir((mounts / "a").c_str(), 0755), 0);
    serve(root_dir.path(), mounts / "a");
    serve(user_dir.path(), mounts / "b");
    std::string found;
    Error e = lkmctl::locate_daemon_in(std::nullopt, dirs, &found);
    EXPECT_NE(e.message.find("several lkmfs daemons are running; choose one with -m"),
              std::string::npos);
    EXPECT_NE(e.message.find("\n  " + (mounts / "a")), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("\n  " + (mounts / "b")), std::string::npos) << e.message;

    // -m picks by mountpoint, however it is spelled.
    ASSERT_FALSE(lkmctl::locate_daemon_in(mounts / "a/.", dirs, &found));
    EXPECT_EQ(found, root_dir / socket_file_name(mounts / "a"));
    ASSERT_FALSE(lkmctl::locate_daemon_in(mounts / "b", dirs, &found));
    EXPECT_EQ(found, user_dir / socket_file_name(mounts / "b"));
}

} // namespace
} // namespace lkmfs::control
