// The concurrency samples through a real mount: counters/{atomic,spin,rw} keep the exact
// total under many concurrent writer processes, and the seed's wait-queue reader (waitq)
// sleeps until a write brings data, while a signal ends its sleep at once.
#include "background.h"
#include "lkmfs_daemon.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace lkmfs::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const char *kCounters = "modules:\n  load: [counters]\n";
const char *kWaitq = "modules:\n  load: [waitq]\n";

TEST(SyncSamples, CountersKeepTheExactTotalUnderConcurrentWriters) {
    Daemon d({.config = kCounters});
    ASSERT_TRUE(d.started()) << d.output();
    // 16 writer processes per counter, each writing "2000" 25 times (every write adds 1
    // two thousand times under the counter's lock), while readers cat the values.
    const char *script = R"(
import os, sys
mnt = sys.argv[1]
writers, rounds, steps = 16, 25, 2000
pids = []
for name in ("atomic", "spin", "rw"):
    for w in range(writers):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for _ in range(rounds):
                    fd = os.open(f"{mnt}/counters/{name}", os.O_WRONLY)
                    if os.write(fd, str(steps).encode()) != len(str(steps)):
                        code = 1
                    os.close(fd)
                    with open(f"{mnt}/counters/{name}") as f:
                        int(f.read())
            except Exception as e:
                print(e, file=sys.stderr)
                code = 2
            os._exit(code)
        pids.append(pid)
failed = sum(1 for pid in pids if os.waitpid(pid, 0)[1] != 0)
for name in ("atomic", "spin", "rw"):
    with open(f"{mnt}/counters/{name}") as f:
        print(name, f.read().strip())
sys.exit(1 if failed else 0)
)";
    RunResult r = python(script, {d.mnt()}, {.timeout = 90s});
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "atomic 800000\nspin 800000\nrw 800000\n") << r.err;
}

TEST(SyncSamples, CountersRejectBadCounts) {
    Daemon d({.config = kCounters});
    ASSERT_TRUE(d.started()) << d.output();
    // coreutils echo names the errno (dash's builtin says "I/O error" for any).
    RunResult r = sh("/bin/echo many > " + d.path("counters/spin"));
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("Invalid argument"), std::string::npos) << r.err;
    EXPECT_EQ(run({"cat", d.path("counters/spin")}).out, "0\n");
}

TEST(SyncSamples, ABlockedReaderWakesWhenAWriteBringsData) {
    Daemon d({.config = kWaitq});
    ASSERT_TRUE(d.started()) << d.output();
    Background reader({"head", "-c", "6", d.path("waitq")});
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(reader.running()) << "the reader must sleep while the pipe is empty";
    RunResult w = sh("echo hello > " + d.path("waitq"));
    EXPECT_EQ(w.status, 0) << w.err;
    auto st = reader.wait_exit(5s);
    ASSERT_TRUE(st.has_value()) << "the write did not wake the reader";
    EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0);
    EXPECT_EQ(reader.output(), "hello\n");
}

TEST(SyncSamples, SeveralSleepersShareTheData) {
    Daemon d({.config = kWaitq});
    ASSERT_TRUE(d.started()) << d.output();
    std::vector<std::unique_ptr<Background>> readers;
    for (int i = 0; i < 3; ++i)
        readers.push_back(std::make_unique<Background>(
            std::vector<std::string>{"head", "-c", "2", d.path("waitq")}));
    std::this_thread::sleep_for(300ms);
    // Each reader takes two bytes, whichever order they wake in.
    EXPECT_EQ(sh("printf 'a\\nb\\nc\\n' > " + d.path("waitq")).status, 0);
    std::string all;
    for (auto &r : readers) {
        auto st = r->wait_exit(5s);
        ASSERT_TRUE(st.has_value());
        all += r->output();
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, "\n\n\nabc");
}

TEST(SyncSamples, SigintEndsABlockedCatPromptly) {
    Daemon d({.config = kWaitq});
    ASSERT_TRUE(d.started()) << d.output();
    Background cat({"cat", d.path("waitq")});
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(cat.running());
    auto sent = Clock::now();
    cat.signal(SIGINT);
    auto st = cat.wait_exit(5s);
    auto took = Clock::now() - sent;
    ASSERT_TRUE(st.has_value()) << "cat still asleep 5 s after SIGINT";
    EXPECT_TRUE(WIFSIGNALED(*st) && WTERMSIG(*st) == SIGINT);
    EXPECT_LT(took, 1s);
    // The entry still works afterwards, and the interrupted read took nothing.
    RunResult r =
        sh("echo x > " + d.path("waitq") + " && head -c 2 " + d.path("waitq"), {.timeout = 5s});
    EXPECT_EQ(r.out, "x\n") << r.err;
}

TEST(SyncSamples, AHandledSignalMakesTheReadFailWithEintr) {
    Daemon d({.config = kWaitq});
    ASSERT_TRUE(d.started()) << d.output();
    std::string path = d.path("waitq");
    pid_t child = fork();
    if (child == 0) {
        // Only async-signal-safe calls here (the test process has threads).
        struct sigaction sa {};
        sa.sa_handler = [](int) {};
        sa.sa_flags = 0; // no SA_RESTART: the read must fail with EINTR
        sigaction(SIGALRM, &sa, nullptr);
        int fd = open(path.c_str(), O_RDONLY);
        if (fd < 0)
            _exit(3);
        alarm(1);
        char buf[16];
        ssize_t n = read(fd, buf, sizeof buf);
        _exit(n < 0 && errno == EINTR ? 0 : n < 0 ? 1 : 2);
    }
    ASSERT_GT(child, 0);
    int st = 0;
    auto until = Clock::now() + 10s;
    pid_t done = 0;
    while ((done = waitpid(child, &st, WNOHANG)) == 0 && Clock::now() < until)
        std::this_thread::sleep_for(10ms);
    if (done == 0) {
        kill(child, SIGKILL);
        waitpid(child, &st, 0);
        FAIL() << "the read was not interrupted";
    }
    EXPECT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0) << "1: another error than EINTR, 2: data read";
}

TEST(SyncSamples, NonblockingReadOfAnEmptyPipeFailsWithEagain) {
    Daemon d({.config = kWaitq});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r =
        run({"dd", "if=" + d.path("waitq"), "iflag=nonblock", "bs=16", "count=1"}, {.timeout = 5s});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("Resource temporarily unavailable"), std::string::npos) << r.err;
}

} // namespace
} // namespace lkmfs::testing
