// poll(2), select(2) and epoll through a real mount, from Python's select module: entries
// without proc_poll are ready at once; waitq (readable while data waits) and tickpoll
// (readable while a tick is unread, its timer waking pollers from the softirq thread) wake
// sleeping pollers, level- and edge-triggered; a poll with nothing to report times out;
// many pollers wake together; a poller still waiting when the module goes (rmmod, or the
// daemon's shutdown) returns instead of hanging.
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>

namespace lkmfs::testing {
namespace {

using namespace std::chrono_literals;

const char *kWaitq = "modules:\n  load: [waitq]\n";
const char *kWaitqAndKbuf = "modules:\n  load: [waitq, kbuf]\n";

// Tickpoll with a period of `ms` milliseconds.
std::string tickpoll_config(int ms) {
    return "modules:\n  load:\n    - name: tickpoll\n      params: { period_ms: " +
           std::to_string(ms) + " }\n";
}

// Helpers every script starts with: `took(start)` in seconds, `write_later(path, data,
// delay)` from another process, the masks Python reports as numbers.
const std::string kPrelude = R"PY(
import errno, os, select, subprocess, sys, threading, time
def took(start):
    return time.monotonic() - start
def write_later(path, data, delay):
    return subprocess.Popen(["sh", "-c", f"sleep {delay}; printf '{data}' > '{path}'"])
)PY";

// Runs a script with the prelude; lkmctl in it talks to `d`.
RunResult script(const Daemon &d, const std::string &body, const std::vector<std::string> &args,
                 std::chrono::milliseconds timeout = 30s) {
    return python(kPrelude + body, args,
                  {.env = {{"LKMFS_SOCKET", d.socket()}}, .timeout = timeout});
}

TEST(PollWithoutProcPoll, AnEntryWithoutProcPollIsReadableAndWritableAtOnce) {
    Daemon d({.config = kWaitqAndKbuf});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
fd = os.open(sys.argv[1], os.O_RDWR)
start = time.monotonic()
p = select.poll()
p.register(fd, select.POLLIN | select.POLLOUT | select.POLLPRI)
print("poll", hex(p.poll(5000)[0][1]))
print("select", [len(x) for x in select.select([fd], [fd], [fd], 5)])
e = select.epoll()
e.register(fd, select.EPOLLIN | select.EPOLLOUT)
print("epoll", hex(e.poll(5)[0][1]))
print("fast", took(start) < 1.0)
)PY",
                         {d.path("kbuf")});
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.status, 0) << r.err;
    // DEFAULT_POLLMASK, as Linux answers for a file without a poll handler: no POLLPRI.
    EXPECT_EQ(r.out, "poll 0x5\nselect [1, 1, 0]\nepoll 0x5\nfast True\n");
}

TEST(PollWaitq, NothingToReadTimesOutWithoutSpuriousReadiness) {
    Daemon d({.config = kWaitq});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
fd = os.open(sys.argv[1], os.O_RDWR)
p = select.poll()
p.register(fd, select.POLLIN)
start = time.monotonic()
print("poll", p.poll(300), took(start) >= 0.25)
start = time.monotonic()
print("select", select.select([fd], [], [], 0.3), took(start) >= 0.25)
e = select.epoll()
e.register(fd, select.EPOLLIN)
start = time.monotonic()
print("epoll", e.poll(0.3), took(start) >= 0.25)
# There is room in the buffer, though: writable at once.
p.register(fd, select.POLLIN | select.POLLOUT)
print("room", hex(p.poll(5000)[0][1]))
)PY",
                         {d.path("waitq")});
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "poll [] True\nselect ([], [], []) True\nepoll [] True\nroom 0x4\n");
}

TEST(PollWaitq, AWriteFromAnotherProcessWakesPollSelectAndEpoll) {
    Daemon d({.config = kWaitq});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
path = sys.argv[1]
fd = os.open(path, os.O_RDONLY)
def check(name, wait):
    writer = write_later(path, "x", 0.3)
    start = time.monotonic()
    got = wait()
    t = took(start)
    writer.wait()
    print(name, got, 0.2 <= t < 5, os.read(fd, 16))
p = select.poll()
p.register(fd, select.POLLIN)
check("poll", lambda: [hex(m) for _, m in p.poll(10000)])
check("select", lambda: [len(x) for x in select.select([fd], [], [], 10)])
e = select.epoll()
e.register(fd, select.EPOLLIN)
check("epoll", lambda: [hex(m) for _, m in e.poll(10)])
# Drained: nothing to read any more.
print("after", p.poll(0), e.poll(0))
)PY",
                         {d.path("waitq")});
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "poll ['0x1'] True b'x'\n"
                     "select [1, 0, 0] True b'x'\n"
                     "epoll ['0x1'] True b'x'\n"
                     "after [] []\n");
}

TEST(PollWaitq, EpollLevelTriggeredRepeatsAndEdgeTriggeredReportsEachWriteOnce) {
    Daemon d({.config = kWaitq});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
path = sys.argv[1]
fd = os.open(path, os.O_RDONLY)
lt = select.epoll()
lt.register(fd, select.EPOLLIN)
et = select.epoll()
et.register(fd, select.EPOLLIN | select.EPOLLET)
write_later(path, "a", 0.2).wait()
print("lt", [len(lt.poll(5)) for _ in range(3)])
print("et", len(et.poll(5)), len(et.poll(0.3)))
# A second write is a new edge, although the data of the first is still unread.
write_later(path, "b", 0.2)
print("et again", len(et.poll(5)), len(et.poll(0.3)))
print("read", os.read(fd, 16))
print("lt drained", lt.poll(0.2))
)PY",
                         {d.path("waitq")});
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "lt [1, 1, 1]\net 1 0\net again 1 0\nread b'ab'\nlt drained []\n");
}

TEST(PollTickpoll, ReadsReturnTheNextTickAndNonblockingReadsFailWithEagain) {
    Daemon d({.config = tickpoll_config(100)});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
path = sys.argv[1]
nb = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
try:
    os.read(nb, 64)
    print("nonblock read", "data")
except OSError as e:
    print("nonblock read", errno.errorcode[e.errno])
fd = os.open(path, os.O_RDONLY)
start = time.monotonic()
ticks = []
for _ in range(3):
    line = os.read(fd, 64).decode()
    ticks.append(int(line.split()[1]))
    print(line.split()[0], end=" ")
print()
print("increasing", ticks[0] < ticks[1] < ticks[2], "took", 0.1 < took(start) < 5)
# The tick the blocking reader saw is unread for the non-blocking file.
print("nonblock now", os.read(nb, 64).decode().split()[0])
)PY",
                         {d.path("tickpoll")});
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "nonblock read EAGAIN\ntick tick tick \nincreasing True took True\n"
                     "nonblock now tick\n");
    EXPECT_TRUE(Contains(d.lkmctl({"dmesg"}).out, "tickpoll: ticking every 100 ms"));
}

TEST(PollTickpoll, TheTimerWakesPollSelectAndEpoll) {
    Daemon d({.config = tickpoll_config(200)});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
def no_spurious(name, ready):
    # Right after a read nothing is unread, unless a new tick came in between: then a
    # read must find it.
    if ready:
        os.read(fd, 64)
    print(name, "ok")
p = select.poll()
p.register(fd, select.POLLIN)
start = time.monotonic()
print("poll", [hex(m) for _, m in p.poll(10000)], took(start) < 2)
os.read(fd, 64)
no_spurious("poll after read", p.poll(0))
start = time.monotonic()
print("select", [len(x) for x in select.select([fd], [], [], 10)], took(start) < 2)
os.read(fd, 64)
no_spurious("select after read", select.select([fd], [], [], 0)[0])
e = select.epoll()
e.register(fd, select.EPOLLIN)
start = time.monotonic()
print("epoll", [hex(m) for _, m in e.poll(10)], took(start) < 2)
os.read(fd, 64)
no_spurious("epoll after read", e.poll(0))
)PY",
                         {d.path("tickpoll")});
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "poll ['0x1'] True\npoll after read ok\n"
                     "select [1, 0, 0] True\nselect after read ok\n"
                     "epoll ['0x1'] True\nepoll after read ok\n");
}

TEST(PollTickpoll, EdgeTriggeredEpollReportsEveryTickLevelTriggeredEveryCall) {
    Daemon d({.config = tickpoll_config(100)});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
fd = os.open(sys.argv[1], os.O_RDONLY)
et = select.epoll()
et.register(fd, select.EPOLLIN | select.EPOLLET)
# Nothing is read: with EPOLLET each tick's wake-up is one new event, and nothing else is.
events, start = 0, time.monotonic()
while took(start) < 1.0:
    events += len(et.poll(0.3))
t = took(start)
print("et", events, t)
lt = select.epoll()
lt.register(fd, select.EPOLLIN)
start = time.monotonic()
print("lt", [len(lt.poll(5)) for _ in range(5)], took(start) < 0.5)
)PY",
                         {d.path("tickpoll")});
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.status, 0) << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("et ([0-9]+) ([0-9.]+)\n"))) << r.out;
    // About ten ticks in a second (a loaded machine fires fewer, never more); the
    // registration itself may report the first.
    int events = std::stoi(m[1]);
    double seconds = std::stod(m[2]);
    EXPECT_GE(events, 3) << r.out;
    EXPECT_LE(events, static_cast<int>(seconds * 10) + 2) << r.out;
    EXPECT_TRUE(Contains(r.out, "lt [1, 1, 1, 1, 1] True\n")) << r.out;
}

TEST(PollManyPollers, TwentyPollersOfOneEntryAllWakeOnOneWrite) {
    Daemon d({.config = kWaitq});
    ASSERT_TRUE(d.started()) << d.output();
    // 20 threads blocked in poll(): ten on their own open files, ten on one shared file.
    RunResult r = script(d, R"PY(
path = sys.argv[1]
shared = os.open(path, os.O_RDONLY)
results, lock = [], threading.Lock()
waiting = threading.Barrier(21)
def poller(i):
    fd = shared if i % 2 else os.open(path, os.O_RDONLY)
    p = select.poll()
    p.register(fd, select.POLLIN)
    waiting.wait()
    got = p.poll(15000)
    with lock:
        results.append(got[0][1] if got else 0)
threads = [threading.Thread(target=poller, args=(i,)) for i in range(20)]
for t in threads:
    t.start()
waiting.wait()
time.sleep(0.5)
print("before", len(results))
start = time.monotonic()
write_later(path, "x", 0).wait()
for t in threads:
    t.join()
print("woken", len(results), set(results), took(start) < 5)
)PY",
                         {d.path("waitq")});
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "before 0\nwoken 20 {1} True\n");
}

TEST(PollManyPollers, TwentyPollersAllWakeOnOneTimerTick) {
    Daemon d({.config = tickpoll_config(300)});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
path = sys.argv[1]
results, lock = [], threading.Lock()
def poller():
    fd = os.open(path, os.O_RDONLY)
    e = select.epoll()
    e.register(fd, select.EPOLLIN)
    got = e.poll(10)
    with lock:
        results.append(got[0][1] if got else 0)
threads = [threading.Thread(target=poller) for _ in range(20)]
start = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
print("woken", len(results), set(results), took(start) < 5)
)PY",
                         {d.path("tickpoll")});
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "woken 20 {1} True\n");
}

// The module goes while clients wait in poll(), select() and epoll_wait(): each is told to
// poll again and finds the entry removed, which is readable and writable
// (DEFAULT_POLLMASK, as Linux answers for a removed /proc entry); its read then fails with
// EIO. Nothing waits for a wake-up that can no longer come.
TEST(PollRundown, RmmodWhileClientsWaitInPollWakesThem) {
    Daemon d({.config = kWaitq});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
path, lkmctl = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDONLY)
results, lock = {}, threading.Lock()
waiting = threading.Barrier(4)
def wait_with(name, wait):
    waiting.wait()
    start = time.monotonic()
    got = wait()
    with lock:
        results[name] = (got, took(start))
p = select.poll()
p.register(fd, select.POLLIN)
e = select.epoll()
e.register(fd, select.EPOLLIN)
threads = [
    threading.Thread(target=wait_with, args=("poll", lambda: [hex(m) for _, m in p.poll(20000)])),
    threading.Thread(target=wait_with, args=("select", lambda: [len(x) for x in select.select([fd], [], [], 20)])),
    threading.Thread(target=wait_with, args=("epoll", lambda: [hex(m) for _, m in e.poll(20)])),
]
for t in threads:
    t.start()
waiting.wait()
time.sleep(0.5)
print("waiting", len(results))
start = time.monotonic()
rm = subprocess.run([lkmctl, "rmmod", "waitq"], capture_output=True, text=True)
print("rmmod", rm.returncode, rm.stderr.strip())
for t in threads:
    t.join()
for name in ("poll", "select", "epoll"):
    got, t = results[name]
    print(name, got, t < 5)
try:
    os.read(fd, 16)
except OSError as err:
    print("read", errno.errorcode[err.errno])
)PY",
                         {d.path("waitq"), BuildTree::bin("lkmctl")}, 60s);
    ASSERT_FALSE(r.timed_out) << r.out << r.err;
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "waiting 0\nrmmod 0 \npoll ['0x1'] True\nselect [1, 0, 0] True\n"
                     "epoll ['0x1'] True\nread EIO\n");
    EXPECT_TRUE(Contains(d.lkmctl({"dmesg"}).out, "waitq: entry waitq removed"));
}

TEST(PollRundown, RmmodOfTheTickerWakesItsPollers) {
    Daemon d({.config = tickpoll_config(60000)}); // no tick during the test
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
path, lkmctl = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDONLY)
def remove():
    time.sleep(0.5)
    subprocess.run([lkmctl, "rmmod", "tickpoll"])
threading.Thread(target=remove).start()
p = select.poll()
p.register(fd, select.POLLIN)
start = time.monotonic()
print("poll", [hex(m) for _, m in p.poll(20000)], 0.3 < took(start) < 5)
)PY",
                         {d.path("tickpoll"), BuildTree::bin("lkmctl")});
    ASSERT_FALSE(r.timed_out) << r.out << r.err;
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "poll ['0x1'] True\n");
    std::string log = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(log, "tickpoll: stopped after 0 ticks")) << log;
    EXPECT_FALSE(Contains(log, "leaked")) << log;
}

// SIGTERM while a client waits in poll(): the shutdown unloads the module (waking the
// poller) before it unmounts, and no notification goes to the closed device afterwards.
TEST(PollRundown, DaemonShutdownWhileAClientWaitsInPoll) {
    Daemon d({.config = tickpoll_config(60000)});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = script(d, R"PY(
import signal
path, daemon = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_RDONLY)
def stop():
    time.sleep(0.5)
    os.kill(daemon, signal.SIGTERM)
threading.Thread(target=stop).start()
p = select.poll()
p.register(fd, select.POLLIN)
start = time.monotonic()
got = p.poll(20000)
print("returned", len(got), 0.3 < took(start) < 5)
)PY",
                         {d.path("tickpoll"), std::to_string(d.pid())});
    ASSERT_FALSE(r.timed_out) << r.out << r.err;
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "returned 1 True\n");
    EXPECT_EQ(d.wait_exit(10000), 0) << d.output();
}

} // namespace
} // namespace lkmfs::testing
