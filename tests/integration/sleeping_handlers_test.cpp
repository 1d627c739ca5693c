// Handlers that sleep, through a real mount (issue 4): many readers asleep in one module
// leave every other entry answering; a worker pool filled by sleepers is logged once and
// recovers when they wake; and a module is removed while readers sleep in it, as in Linux
// (rmmod waits for the calls in flight) but visibly and escapably (rmmod names them, and
// rmmod -f interrupts them, also when another rmmod already waits or was given up).
//
// ks_sleep (tests/modules) has readers that sleep until a write or `lkmctl param ks_sleep
// wake 1`, a `sleepers` parameter counting them, and logs every release; waitq is the
// sample whose readers sleep until a write brings data.
#include "background.h"
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace lkmfs::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Readers = std::vector<std::unique_ptr<Background>>;

// Every other request must come back at once; "at once" with a margin for a loaded CI box.
constexpr auto kPrompt = 2s;
// The daemon's threads besides FUSE workers: main, signal watcher, control I/O and
// workers, softirq, kworkers. Generous: the point is that there is no thread per sleeper
// beyond the cap.
constexpr int kOtherThreads = 24;

const std::string kPoolWarning = "FUSE worker threads are busy in module handlers";

std::string dmesg(const Daemon &d) {
    return d.lkmctl({"dmesg"}).out;
}

// Through the control socket: answers even when every FUSE worker is asleep.
int sleepers(const Daemon &d) {
    RunResult r = d.lkmctl({"param", "ks_sleep", "sleepers"});
    return r.status == 0 ? std::stoi(r.out) : -1;
}

int thread_count(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Threads:", 0) == 0)
            return std::stoi(line.substr(8));
    return -1;
}

// The process waits for the answer to a FUSE request (a read asleep in a handler).
bool waits_in_fuse(pid_t pid) {
    std::ifstream wchan("/proc/" + std::to_string(pid) + "/wchan");
    std::string where;
    wchan >> where;
    return where == "request_wait_answer";
}

Readers start_readers(const Daemon &d, const std::string &entry, int n) {
    Readers readers;
    for (int i = 0; i < n; ++i)
        readers.push_back(
            std::make_unique<Background>(std::vector<std::string>{"cat", d.path(entry)}));
    return readers;
}

// How long `cat PATH` takes, and that it worked.
Clock::duration timed_cat(const std::string &path, std::string *out) {
    auto start = Clock::now();
    RunResult r = run({"cat", path}, {.timeout = 20s});
    auto took = Clock::now() - start;
    *out = r.status == 0 ? r.out : "cat failed: " + r.err;
    return took;
}

std::string ms(Clock::duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

// ---- item 1: sleeping handlers and the worker pool ---------------------------------------

TEST(SleepingHandlers, FiftySleepersInOneModuleLeaveEveryOtherEntryAnswering) {
    Daemon d({.config = test_modules_config("ks_sleep, kbuf")});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(sh("echo ready > " + d.path("kbuf")).status, 0);
    Readers readers = start_readers(d, "ks_sleep", 50);
    ASSERT_TRUE(wait_for([&] { return sleepers(d) == 50; }, 20000))
        << sleepers(d) << " of 50 readers asleep";

    // Another module's entry and the core's answer at once, again and again.
    for (int round = 0; round < 5; ++round) {
        std::string out;
        auto took = timed_cat(d.path("kbuf"), &out);
        EXPECT_EQ(out, "ready\n");
        EXPECT_LT(took, kPrompt) << "cat kbuf took " << ms(took);
        took = timed_cat(d.path("modules"), &out);
        EXPECT_TRUE(Contains(out, "ks_sleep "));
        EXPECT_LT(took, kPrompt) << "cat modules took " << ms(took);
    }
    EXPECT_EQ(sh("echo more > " + d.path("kbuf") + " && cat " + d.path("kbuf")).out, "more\n");
    // One worker per sleeper, no more; 50 is below the default cap (64): nothing logged.
    EXPECT_LE(thread_count(d.pid()), 64 + kOtherThreads);
    EXPECT_TRUE(LacksText(dmesg(d), kPoolWarning));

    // A write wakes them all; each file (the readers' and the writer's) is released once.
    ASSERT_EQ(sh("echo > " + d.path("ks_sleep")).status, 0);
    for (auto &r : readers) {
        auto st = r->wait_exit(10s);
        ASSERT_TRUE(st.has_value()) << "a reader did not wake";
        EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << r->errors();
        EXPECT_EQ(r->output(), "woken\n");
    }
    EXPECT_TRUE(wait_for([&] { return count_of(dmesg(d), "ks_sleep: release ") >= 51; }));
    EXPECT_FALSE(wait_for([&] { return count_of(dmesg(d), "ks_sleep: release ") > 51; }, 300));
}

TEST(SleepingHandlers, AFullWorkerPoolIsLoggedOncePerEpisodeAndRecoversWhenSleepersWake) {
    Daemon d({.config = "mount:\n  max_threads: 8\n" + test_modules_config("ks_sleep, kbuf")});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(sh("echo ready > " + d.path("kbuf")).status, 0);
    const std::string warning = "lkmfs: all 8 " + kPoolWarning + " (mount.max_threads)";

    for (std::size_t episode = 1; episode <= 2; ++episode) {
        SCOPED_TRACE("episode " + std::to_string(episode));
        Readers readers = start_readers(d, "ks_sleep", 8);
        ASSERT_TRUE(wait_for([&] { return sleepers(d) == 8; }, 10000)) << sleepers(d);
        EXPECT_TRUE(wait_for([&] { return count_of(dmesg(d), warning) == episode; })) << dmesg(d);
        // At the cap a request waits in the kernel: no thread is made for it.
        Background late({"cat", d.path("kbuf")});
        std::this_thread::sleep_for(500ms);
        EXPECT_TRUE(late.running()) << "a request was served beyond mount.max_threads";
        EXPECT_LE(thread_count(d.pid()), 8 + kOtherThreads);

        // Woken through the control socket, which needs no FUSE worker.
        ASSERT_EQ(d.lkmctl({"param", "ks_sleep", "wake", "1"}).status, 0);
        for (auto &r : readers) {
            auto st = r->wait_exit(10s);
            ASSERT_TRUE(st.has_value()) << "a reader did not wake";
            EXPECT_EQ(r->output(), "woken\n");
        }
        auto st = late.wait_exit(kPrompt);
        ASSERT_TRUE(st.has_value()) << "the mount did not recover";
        EXPECT_EQ(late.output(), "ready\n");
        std::string out;
        auto took = timed_cat(d.path("kbuf"), &out);
        EXPECT_LT(took, kPrompt) << "cat kbuf took " << ms(took);
        // Once per episode: nothing more while the pool drains.
        EXPECT_FALSE(wait_for([&] { return count_of(dmesg(d), warning) > episode; }, 500))
            << dmesg(d);
    }
}

// ---- item 5: removal and unload while handlers sleep --------------------------------------

class RemovalWhileAsleep : public ::testing::Test {
  protected:
    Daemon d{{.config = test_modules_config("waitq, ks_sleep, kbuf")}};
    std::vector<std::string> lkmctl_env{"LKMFS_SOCKET=" + d.socket()};

    void SetUp() override { ASSERT_TRUE(d.started()) << d.output(); }

    // `n` cats asleep in `entry`'s read handler.
    Readers asleep_in(const std::string &entry, int n) {
        Readers readers = start_readers(d, entry, n);
        bool all = wait_for(
            [&] {
                for (auto &r : readers)
                    if (!waits_in_fuse(r->pid()))
                        return false;
                return true;
            },
            5000);
        // Blocked in a FUSE request: the read, once the open (quick) is over.
        std::this_thread::sleep_for(200ms);
        EXPECT_TRUE(all) << "the readers did not block";
        return readers;
    }

    std::unique_ptr<Background> lkmctl_in_background(const std::vector<std::string> &args) {
        std::vector<std::string> argv{BuildTree::bin("lkmctl")};
        argv.insert(argv.end(), args.begin(), args.end());
        return std::make_unique<Background>(argv, lkmctl_env);
    }

    // The module's line in MNT/modules.
    std::string modules_line(const std::string &name) {
        return line_starting(run({"cat", d.path("modules")}).out, name + " ");
    }

    // The rmmod in the background reports each reader as a call it waits for.
    ::testing::AssertionResult reports_waiting_for(Background &rmmod, const std::string &module,
                                                   const std::string &entry, const Readers &readers,
                                                   const std::string &state) {
        std::string header = "rmmod: waiting for " + std::to_string(readers.size()) +
                             " calls into " + module + " to return:\n";
        bool found = wait_for([&] { return Contains(rmmod.errors(), header); }, 5000);
        if (!found)
            return ::testing::AssertionFailure() << "no \"" << header << "\" in:\n"
                                                 << rmmod.errors();
        for (auto &r : readers) {
            std::string line = "rmmod:   read of " + entry + " by pid " + std::to_string(r->pid()) +
                               " (cat), " + state + "\n";
            if (!Contains(rmmod.errors(), line))
                return ::testing::AssertionFailure() << "no \"" << line << "\" in:\n"
                                                     << rmmod.errors();
        }
        return ::testing::AssertionSuccess();
    }

    // The readers' reads ended: interrupted (EINTR), which cat retries and then finds the
    // entry gone (EIO), as after any removal.
    void expect_interrupted(Readers &readers) {
        for (auto &r : readers) {
            auto st = r->wait_exit(kPrompt);
            ASSERT_TRUE(st.has_value()) << "a reader still sleeps";
            EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 1);
            EXPECT_TRUE(Contains(r->errors(), "Input/output error"));
        }
    }
};

TEST_F(RemovalWhileAsleep, RmmodWaitsAndSaysForWhatAndRmmodFEndsTheWait) {
    Readers readers = asleep_in("waitq", 3);
    auto rmmod = lkmctl_in_background({"rmmod", "waitq"});
    EXPECT_TRUE(reports_waiting_for(*rmmod, "waitq", "waitq", readers, "asleep"));
    EXPECT_TRUE(Contains(rmmod->errors(),
                         "rmmod: 'lkmctl rmmod -f waitq' interrupts them as a signal would\n"
                         "rmmod: Ctrl-C stops waiting here; the removal goes on\n"));
    // As in Linux: the entry is gone at once, the module is going (refcount -1), and rmmod
    // waits for the sleepers.
    EXPECT_TRUE(
        FullMatch(modules_line("waitq"), R"(waitq \d+ -1 - Unloading 0x[0-9a-f]{16} \(OE-\))"));
    EXPECT_TRUE(LacksText(run({"ls", d.mnt()}).out, "waitq"));
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(rmmod->running()) << rmmod->errors();
    for (auto &r : readers)
        EXPECT_TRUE(r->running());
    // Everything else works meanwhile; a second plain rmmod is refused, as in Linux.
    EXPECT_EQ(sh("echo x > " + d.path("kbuf") + " && cat " + d.path("kbuf")).out, "x\n");
    RunResult second = d.lkmctl({"rmmod", "waitq"}, {.timeout = 5s});
    EXPECT_EQ(second.status, 1);
    EXPECT_TRUE(Contains(second.err, "rmmod: ERROR: Module waitq is already being removed"));

    // rmmod -f interrupts the sleepers: both rmmods return, the readers get their error.
    auto start = Clock::now();
    RunResult forced = d.lkmctl({"rmmod", "-f", "waitq"}, {.timeout = 10s});
    auto took = Clock::now() - start;
    EXPECT_EQ(forced.status, 0) << forced.err;
    EXPECT_LT(took, kPrompt) << "rmmod -f took " << ms(took);
    auto st = rmmod->wait_exit(kPrompt);
    ASSERT_TRUE(st.has_value()) << "the first rmmod still waits";
    EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << rmmod->errors();
    expect_interrupted(readers);
    EXPECT_EQ(modules_line("waitq"), "");
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "waitq: forced removal: interrupting 3 call(s) in flight\n"));
    EXPECT_TRUE(Contains(log, "waitq: entry waitq removed\n"));

    // Loaded again, it serves as before.
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::sample_module("waitq")}).status, 0);
    RunResult r =
        sh("echo again > " + d.path("waitq") + " && head -c 6 " + d.path("waitq"), {.timeout = 5s});
    EXPECT_EQ(r.out, "again\n") << r.err;
}

TEST_F(RemovalWhileAsleep, RmmodFCompletesTheRemovalOfAnRmmodGivenUpWithCtrlC) {
    Readers readers = asleep_in("waitq", 2);
    auto rmmod = lkmctl_in_background({"rmmod", "waitq"});
    EXPECT_TRUE(reports_waiting_for(*rmmod, "waitq", "waitq", readers, "asleep"));
    rmmod->signal(SIGINT);
    auto st = rmmod->wait_exit(kPrompt);
    ASSERT_TRUE(st.has_value()) << "Ctrl-C did not end lkmctl rmmod";
    EXPECT_TRUE(WIFSIGNALED(*st) && WTERMSIG(*st) == SIGINT);
    // The removal goes on without it.
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(FullMatch(modules_line("waitq"), R"(waitq \d+ -1 - Unloading .*)"));
    for (auto &r : readers)
        EXPECT_TRUE(r->running());

    RunResult forced = d.lkmctl({"rmmod", "-f", "waitq"}, {.timeout = 10s});
    EXPECT_EQ(forced.status, 0) << forced.err;
    expect_interrupted(readers);
    EXPECT_EQ(modules_line("waitq"), "");
    EXPECT_EQ(d.lkmctl({"insmod", BuildTree::sample_module("waitq")}).status, 0);
}

TEST_F(RemovalWhileAsleep, RmmodFInterruptsSleepersReleasesEachFileOnceAndLeaksNothing) {
    Readers readers = asleep_in("ks_sleep", 4);
    // A reader of its own, to see the read itself fail with EINTR (cat retries, and gets
    // EIO from the removed entry).
    std::string path = d.path("ks_sleep");
    pid_t child = fork();
    if (child == 0) {
        int fd = open(path.c_str(), O_RDONLY);
        if (fd < 0)
            _exit(3);
        char buf[16];
        ssize_t n = read(fd, buf, sizeof buf);
        _exit(n < 0 && errno == EINTR ? 0 : n < 0 ? 1 : 2);
    }
    ASSERT_GT(child, 0);
    ASSERT_TRUE(wait_for([&] { return sleepers(d) == 5; })) << sleepers(d);

    auto start = Clock::now();
    RunResult forced = d.lkmctl({"rmmod", "-f", "ks_sleep"}, {.timeout = 10s});
    auto took = Clock::now() - start;
    EXPECT_EQ(forced.status, 0) << forced.err;
    EXPECT_EQ(forced.err, "") << "nothing was left to wait for";
    EXPECT_LT(took, kPrompt) << "rmmod -f took " << ms(took);
    expect_interrupted(readers);
    int status = 0;
    ASSERT_TRUE(wait_for([&] { return waitpid(child, &status, WNOHANG) == child; }));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "1: another error than EINTR, 2: data read, 3: open failed";

    // Each of the five open files was released once, by the removal, and not again when
    // the readers closed them; their kmalloc'd state was freed.
    std::string log;
    EXPECT_FALSE(wait_for([&] { return count_of(dmesg(d), "ks_sleep: release ") > 5; }, 300));
    log = dmesg(d);
    EXPECT_EQ(count_of(log, "ks_sleep: release "), 5u) << log;
    EXPECT_TRUE(Contains(log, "ks_sleep: exit done after 5 releases\n"));
    EXPECT_TRUE(Contains(log, "ks_sleep: forced removal: interrupting 5 call(s) in flight\n"));
    EXPECT_TRUE(LacksText(log, "leaked"));
    EXPECT_EQ(run({"cat", d.path("modules")}).status, 0) << "the daemon died";
}

TEST_F(RemovalWhileAsleep, AnUninterruptibleSleeperIsNamedAndWaitedForEvenByRmmodF) {
    ASSERT_EQ(d.lkmctl({"rmmod", "ks_sleep"}).status, 0);
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("ks_sleep"), "d_ms=1500"}).status, 0);
    Readers readers = asleep_in("ks_sleep", 1);
    auto start = Clock::now();
    RunResult forced = d.lkmctl({"rmmod", "-f", "ks_sleep"}, {.timeout = 10s});
    auto took = Clock::now() - start;
    EXPECT_EQ(forced.status, 0) << forced.err;
    // A signal cannot end a D-state sleep: rmmod -f waited for its timeout, and said why.
    EXPECT_GE(took, 1s);
    EXPECT_TRUE(Contains(forced.err, "rmmod: waiting for 1 call into ks_sleep to return:\n"
                                     "rmmod:   read of ks_sleep by pid " +
                                         std::to_string(readers[0]->pid()) +
                                         " (cat), asleep uninterruptibly (D)\n"
                                         "rmmod: forced, but no signal ends an uninterruptible "
                                         "sleep (D)"))
        << forced.err;
    auto st = readers[0]->wait_exit(kPrompt);
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(readers[0]->output(), "woken\n"); // its sleep ran out; the handler returned
    EXPECT_TRUE(Contains(dmesg(d), "ks_sleep: exit done after 1 releases\n"));
}

} // namespace
} // namespace lkmfs::testing
