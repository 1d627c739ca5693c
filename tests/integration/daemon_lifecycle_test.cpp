// lkmfsd's life from start to stop: SIGINT/SIGTERM run the module exits newest first and
// then unmount; an external unmount ends the daemon the same way; busy, stale, missing
// and non-directory mountpoints; bad configuration files; background mode.
#include "lkmfs_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

namespace lkmfs::testing {
namespace {

// Whether process `pid` has ended (gone, or a zombie nobody reaped yet).
bool process_ended(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat))
        return true;
    auto paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

// ---- stopping ------------------------------------------------------------------------

class StopSignal : public ::testing::TestWithParam<int> {};

TEST_P(StopSignal, RunsModuleExitsNewestFirstThenUnmounts) {
    // console_level 8: every record also goes to the daemon's stderr, which outlives it.
    Daemon d(
        {.config = test_modules_config("kp_tree, kp_pos, kp_open") + "log:\n  console_level: 8\n"});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kp_printk")}).status, 0);
    EXPECT_EQ(d.stop(GetParam()), 0) << d.output();
    EXPECT_FALSE(is_mounted(d.mnt()));
    std::string out = d.output();
    // Loaded kp_tree, kp_pos, kp_open, then kp_printk at run time: kp_printk (which logs
    // nothing at exit) goes first, then kp_open, kp_pos, kp_tree.
    auto loaded = out.find("kp_tree: loaded");
    auto open_exit = out.find("kp_open: exit done");
    auto pos_exit = out.find("kp_pos: exit pid=");
    auto tree_exit = out.find("kp_tree: unloaded");
    ASSERT_NE(loaded, std::string::npos) << out;
    ASSERT_NE(open_exit, std::string::npos) << out;
    ASSERT_NE(pos_exit, std::string::npos) << out;
    ASSERT_NE(tree_exit, std::string::npos) << out;
    EXPECT_LT(loaded, open_exit) << out;
    EXPECT_LT(open_exit, pos_exit) << out;
    EXPECT_LT(pos_exit, tree_exit) << out;
    // The exits run on the daemon's own behalf.
    EXPECT_TRUE(std::regex_search(out, std::regex("kp_pos: exit pid=[0-9]+ comm=lkmfsd uid=0")))
        << out;
}

INSTANTIATE_TEST_SUITE_P(Signals, StopSignal, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int> &param) {
                             return param.param == SIGTERM ? std::string("Sigterm")
                                                           : std::string("Sigint");
                         });

TEST(DaemonLifecycle, SighupDoesNotStopTheDaemon) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(kill(d.pid(), SIGHUP), 0);
    EXPECT_FALSE(wait_for([&] { return !is_mounted(d.mnt()); }, 300));
    EXPECT_EQ(run({"cat", d.path("modules")}).status, 0);
    EXPECT_EQ(d.stop(SIGTERM), 0);
}

TEST(DaemonLifecycle, AFileHeldOpenDoesNotDelayTheStop) {
    Daemon d({.config = test_modules_config("kp_open") + "log:\n  console_level: 8\n"});
    ASSERT_TRUE(d.started()) << d.output();
    int fd = open(d.path("kp_open").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(d.stop(SIGTERM, 5000), 0) << d.output();
    EXPECT_FALSE(is_mounted(d.mnt()));
    // The module's exit ran the file's release (rundown), once; the descriptor is dead.
    std::string out = d.output();
    EXPECT_NE(out.find("kp_open: exit done after 1 releases"), std::string::npos) << out;
    char c;
    EXPECT_EQ(read(fd, &c, 1), -1);
    close(fd);
}

TEST(DaemonLifecycle, ABlockedKmsgReaderDoesNotDelayTheStop) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    // A reader asleep at the end of the log (it wants one record more than there are).
    RunResult r = sh(R"SH(
n=$(dd if="$K" iflag=nonblock bs=8192 2>/dev/null | wc -l)
dd if="$K" bs=8192 count=$((n + 1)) status=none > "$OUT" 2>&1 &
echo $!
)SH",
                     {.env = {{"K", d.path("kmsg")}, {"OUT", d.dir() / "reader.out"}}});
    ASSERT_EQ(r.status, 0) << r.err;
    pid_t reader = std::stoi(r.out);
    EXPECT_FALSE(wait_for([&] { return process_ended(reader); }, 300)) << "did not block";
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(d.stop(SIGTERM, 5000), 0) << d.output();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
    EXPECT_TRUE(wait_for([&] { return process_ended(reader); }, 3000));
    if (!process_ended(reader))
        kill(reader, SIGKILL);
}

TEST(DaemonLifecycle, AnExternalUnmountRunsModuleExitsAndEndsTheDaemon) {
    Daemon d({.config = test_modules_config("kp_tree, kp_open") + "log:\n  console_level: 8\n"});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult u = run({"fusermount3", "-u", d.mnt()});
    ASSERT_EQ(u.status, 0) << u.err;
    EXPECT_EQ(d.wait_exit(5000), 0) << d.output();
    EXPECT_FALSE(is_mounted(d.mnt()));
    std::string out = d.output();
    auto open_exit = out.find("kp_open: exit done");
    auto tree_exit = out.find("kp_tree: unloaded");
    ASSERT_NE(open_exit, std::string::npos) << out;
    ASSERT_NE(tree_exit, std::string::npos) << out;
    EXPECT_LT(open_exit, tree_exit);
}

// ---- mountpoints ---------------------------------------------------------------------

// lkmfsd run by hand with its own configuration and socket, -f unless told otherwise.
struct ManualRun {
    TempDir dir;
    RunResult start(const std::string &mountpoint, std::vector<std::string> extra = {"-f"},
                    const std::string &config = "modules:\n  load: []\n") {
        dir.write("lkmfs.yaml", config + "control:\n  socket: " + (dir / "control.sock") + "\n");
        std::vector<std::string> argv = {BuildTree::bin("lkmfsd"), mountpoint, "--config",
                                         dir / "lkmfs.yaml"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run(argv, {.timeout = std::chrono::milliseconds(5000)});
    }
};

// If a test wrongly mounted a second time, lazily unmounts what is stacked above `keep`
// mounts at `path`, so that the next tests start clean.
struct ExtraMountGuard {
    std::string path;
    int keep;
    ~ExtraMountGuard() {
        for (int i = 0; i < 4 && mount_count(path) > keep; ++i)
            run({"umount", "-l", path});
    }
};

TEST(DaemonLifecycle, ABusyMountpointIsRefusedWithAClearMessage) {
    Daemon first;
    ASSERT_TRUE(first.started()) << first.output();
    ExtraMountGuard guard{first.mnt(), 1};
    for (const std::vector<std::string> &mode :
         {std::vector<std::string>{"-f"}, std::vector<std::string>{}}) {
        ManualRun second;
        RunResult r = second.start(first.mnt(), mode);
        EXPECT_FALSE(r.timed_out) << "the second daemon mounted and served";
        EXPECT_EQ(r.status, 1) << r.err;
        EXPECT_NE(r.err.find("mountpoint " + first.mnt() + " is busy"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("already mounted"), std::string::npos) << r.err;
        EXPECT_EQ(mount_count(first.mnt()), 1);
    }
    // The first daemon is unaffected.
    EXPECT_EQ(run({"cat", first.path("modules")}).status, 0);
    EXPECT_EQ(first.stop(SIGTERM), 0);
}

TEST(DaemonLifecycle, AStaleMountOfAKilledDaemonIsRecoveredAndItsModulesReloaded) {
    Daemon killed({.config = test_modules_config("kp_tree")});
    ASSERT_TRUE(killed.started()) << killed.output();
    EXPECT_EQ(killed.stop(SIGKILL), 128 + SIGKILL);
    RunResult stale = run({"stat", killed.mnt()});
    EXPECT_NE(stale.err.find("Transport endpoint is not connected"), std::string::npos)
        << stale.err;
    ASSERT_TRUE(is_mounted(killed.mnt()));

    Daemon next({.config = test_modules_config("kp_tree"), .mountpoint = killed.mnt()});
    ASSERT_TRUE(next.started()) << next.output();
    EXPECT_NE(next.output().find("recovered stale mount at " + killed.mnt()), std::string::npos)
        << next.output();
    EXPECT_EQ(mount_count(killed.mnt()), 1);
    RunResult cat = run({"cat", next.path("modules")});
    EXPECT_EQ(cat.status, 0) << cat.err;
    // The configured modules are back and serve.
    EXPECT_EQ(cat.out.rfind("kp_tree ", 0), 0u) << cat.out;
    EXPECT_EQ(run({"cat", next.path("kp_dir/data")}).out, "pde_data=tag-from-pde-data\n");
    EXPECT_EQ(next.stop(SIGTERM), 0);
    EXPECT_FALSE(is_mounted(killed.mnt()));
}

TEST(DaemonLifecycle, AMissingMountpointOrAFileIsAClearError) {
    ManualRun lkmfsd;
    std::string missing = lkmfsd.dir / "missing";
    RunResult r = lkmfsd.start(missing);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("mountpoint " + missing + ": No such file or directory"),
              std::string::npos)
        << r.err;

    lkmfsd.dir.write("file", "x");
    std::string file = lkmfsd.dir / "file";
    r = lkmfsd.start(file);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("mountpoint " + file + " is not a directory"), std::string::npos) << r.err;
    EXPECT_FALSE(is_mounted(file));
    EXPECT_FALSE(is_mounted(missing));
}

// ---- configuration ---------------------------------------------------------------------

struct BadConfig {
    const char *name;
    const char *yaml;
    const char *line; // ":LINE:" expected after the file name
    const char *key;  // named in the message
};

void PrintTo(const BadConfig &c, std::ostream *os) {
    *os << c.name;
}

class BadConfigFile : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigFile, IsReportedWithFileLineAndKeyAndNothingIsMounted) {
    TempDir dir;
    std::string mnt = dir / "mnt";
    mkdir(mnt.c_str(), 0755);
    dir.write("bad.yaml", GetParam().yaml);
    RunResult r = run({BuildTree::bin("lkmfsd"), mnt, "-f", "--config", dir / "bad.yaml"},
                      {.timeout = std::chrono::milliseconds(5000)});
    ExtraMountGuard guard{mnt, 0};
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find(dir / "bad.yaml" + GetParam().line), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(GetParam().key), std::string::npos) << r.err;
    EXPECT_FALSE(is_mounted(mnt));
}

INSTANTIATE_TEST_SUITE_P(
    Files, BadConfigFile,
    ::testing::Values(BadConfig{"UnknownKey", "modules:\n  load: []\nlog:\n  consol_level: 8\n",
                                ":4:", "consol_level"},
                      BadConfig{"BadValue", "log:\n  buffer_size: 4K\n  console_level: loud\n",
                                ":3:", "console_level"},
                      BadConfig{"OutOfRange", "mount:\n  max_threads: 0\n", ":2:", "max_threads"}),
    [](const ::testing::TestParamInfo<BadConfig> &param) { return param.param.name; });

// ---- background mode ------------------------------------------------------------------

// Makes this process the reaper of orphaned descendants for a while, so that it can wait
// for a daemon that detached from the lkmfsd command that started it.
struct ChildSubreaper {
    ChildSubreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }
    ~ChildSubreaper() { prctl(PR_SET_CHILD_SUBREAPER, 0); }
};

// Stops a background daemon the test lost track of, and its mount.
struct BackgroundGuard {
    std::string mnt;
    pid_t pid = -1;
    ~BackgroundGuard() {
        if (pid > 0 && kill(pid, SIGKILL) == 0)
            waitpid(pid, nullptr, 0);
        if (is_mounted(mnt))
            run({"fusermount3", "-u", "-z", mnt});
    }
};

TEST(DaemonLifecycle, BackgroundModeReturnsOnceServingAndStopsOnSigterm) {
    ChildSubreaper reaper;
    ManualRun lkmfsd;
    std::string mnt = lkmfsd.dir / "mnt";
    mkdir(mnt.c_str(), 0755);
    BackgroundGuard guard{mnt};
    RunResult r = lkmfsd.start(mnt, {}, test_modules_config("kp_tree"));
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.status, 0) << r.err;
    // Serving already, without waiting: the mount, a module's entry, and the socket.
    EXPECT_TRUE(is_mounted(mnt));
    RunResult cat = run({"cat", mnt + "/kp_dir/data"});
    EXPECT_EQ(cat.status, 0) << cat.err;
    EXPECT_EQ(cat.out, "pde_data=tag-from-pde-data\n");
    RunResult lsmod = run({BuildTree::bin("lkmctl"), "lsmod"},
                          {.env = {{"LKMFS_SOCKET", lkmfsd.dir / "control.sock"}}});
    EXPECT_NE(lsmod.out.find("kp_tree"), std::string::npos) << lsmod.out << lsmod.err;

    RunResult pgrep = run({"pgrep", "-f", "lkmfsd " + mnt + " "});
    ASSERT_EQ(pgrep.status, 0) << "no daemon process for " << mnt;
    guard.pid = std::stoi(pgrep.out);
    EXPECT_EQ(pgrep.out.find('\n'), pgrep.out.size() - 1) << "several daemons: " << pgrep.out;
    ASSERT_EQ(kill(guard.pid, SIGTERM), 0);
    int status = -1;
    bool exited = wait_for([&] { return waitpid(guard.pid, &status, WNOHANG) == guard.pid; }, 5000);
    ASSERT_TRUE(exited) << "the daemon did not stop on SIGTERM";
    guard.pid = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_FALSE(is_mounted(mnt));
}

TEST(DaemonLifecycle, BackgroundModeReportsAFailedStartAndLeavesNothing) {
    ManualRun lkmfsd;
    std::string mnt = lkmfsd.dir / "mnt";
    mkdir(mnt.c_str(), 0755);
    BackgroundGuard guard{mnt};
    RunResult r = lkmfsd.start(mnt, {"-o", "no_such_mount_option"});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("no_such_mount_option"), std::string::npos) << r.err;
    EXPECT_FALSE(is_mounted(mnt));
    EXPECT_NE(run({"pgrep", "-f", "lkmfsd " + mnt + " "}).status, 0) << "a daemon was left";
}

} // namespace
} // namespace lkmfs::testing
