// Time and deferred work through a real mount: the ticker sample (a timer in softirq
// context queueing work that runs in process context), and a module that leaves its
// timers, work, queue, tasklet and kthread running at unload (kd_leftover): each is
// stopped with a warning, and the daemon goes on serving.
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>

namespace lkmfs::testing {
namespace {

using namespace std::chrono_literals;

// "key: value" lines of /proc/ticker.
std::map<std::string, std::string> fields(const std::string &text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(": ");
        if (colon != std::string::npos)
            out[line.substr(0, colon)] = line.substr(colon + 2);
    }
    return out;
}

std::map<std::string, std::string> ticker_state(const Daemon &d) {
    RunResult r = run({"cat", d.path("ticker")});
    EXPECT_EQ(r.status, 0) << r.err;
    return fields(r.out);
}

TEST(DeferredSamples, TickerCountsTicksInSoftirqAndRunsItsWorkInProcessContext) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    auto t0 = std::chrono::steady_clock::now();
    RunResult ins = d.lkmctl({"insmod", BuildTree::sample_module("ticker"), "period_ms=20"});
    ASSERT_EQ(ins.status, 0) << ins.err;
    std::this_thread::sleep_for(500ms);
    auto s = ticker_state(d);
    auto elapsed = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(s["period_ms"], "20");
    EXPECT_EQ(s["running"], "yes");
    int ticks = std::stoi(s["ticks"]);
    int runs = std::stoi(s["work_runs"]);
    // 25 periods in 500 ms; a loaded machine may fire fewer, never more than the periods
    // that fit between insmod and the read (longer than 500 ms when lkmctl and cat are slow,
    // as under TSan).
    EXPECT_GE(ticks, 8);
    EXPECT_LE(ticks, elapsed / 20ms + 1);
    EXPECT_GE(runs, 1);
    EXPECT_LE(runs, ticks); // a pending item is not queued twice
    EXPECT_EQ(s["timer_context"], "softirq");
    EXPECT_EQ(s["work_context"], "process");
    EXPECT_TRUE(Contains(d.lkmctl({"dmesg"}).out, "ticker: ticking every 20 ms (HZ=250)"));
}

TEST(DeferredSamples, TickerStopsStartsAndRejectsUnknownCommands) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::sample_module("ticker"), "period_ms=10"}).status, 0);
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(sh("echo stop > " + d.path("ticker")).status, 0);
    auto stopped = ticker_state(d);
    EXPECT_EQ(stopped["running"], "no");
    std::this_thread::sleep_for(100ms);
    auto still = ticker_state(d);
    EXPECT_EQ(still["ticks"], stopped["ticks"]); // del_timer_sync: no tick after stop
    EXPECT_EQ(still["work_runs"], stopped["work_runs"]);

    ASSERT_EQ(sh("echo reset > " + d.path("ticker")).status, 0);
    EXPECT_EQ(ticker_state(d)["ticks"], "0");
    ASSERT_EQ(sh("echo start > " + d.path("ticker")).status, 0);
    std::this_thread::sleep_for(100ms);
    EXPECT_GT(std::stoi(ticker_state(d)["ticks"]), 0);

    RunResult bad = python(R"(
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, b"faster\n")
except OSError as e:
    print(os.strerror(e.errno))
)",
                           {d.path("ticker")});
    EXPECT_EQ(bad.out, "Invalid argument\n") << bad.err;
}

TEST(DeferredSamples, TickerUnloadsCleanlyWhileTicking) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::sample_module("ticker"), "period_ms=5"}).status, 0);
    std::this_thread::sleep_for(100ms);
    RunResult rm = d.lkmctl({"rmmod", "ticker"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    std::string log = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(log, "ticker: stopped after")) << log;
    EXPECT_FALSE(Contains(log, "still active at unload")) << log;
    EXPECT_FALSE(Contains(log, "leaked")) << log;
    // Loaded again at once: nothing of the first instance is left behind.
    EXPECT_EQ(d.lkmctl({"insmod", BuildTree::sample_module("ticker")}).status, 0);
}

TEST(DeferredSamples, TickerRefusesAZeroPeriod) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult ins = d.lkmctl({"insmod", BuildTree::sample_module("ticker"), "period_ms=0"});
    EXPECT_NE(ins.status, 0);
    // init's -EINVAL, in kmod's words for it.
    EXPECT_TRUE(Contains(ins.err, "could not insert module")) << ins.err;
    EXPECT_TRUE(Contains(ins.err, "Invalid parameters")) << ins.err;
}

TEST(DeferredLeftovers, EverythingAModuleLeftRunningIsStoppedWithAWarningAtUnload) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kd_leftover")}).status, 0);
    std::this_thread::sleep_for(50ms);
    RunResult before = run({"cat", d.path("kd_leftover")});
    ASSERT_EQ(before.status, 0);
    EXPECT_GT(std::stoi(before.out), 0); // the periodic timer fires

    RunResult rm = d.lkmctl({"rmmod", "kd_leftover"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    std::string log = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(log, "kd_leftover: kthread kd_leftover still active at unload; stopped"))
        << log;
    EXPECT_TRUE(Contains(log, "kd_leftover: work later_fn [kd_leftover] (delayed) still active "
                              "at unload; cancelled"))
        << log;
    EXPECT_TRUE(Contains(log, "kd_leftover: work queued_fn [kd_leftover] still active at unload; "
                              "cancelled"))
        << log;
    EXPECT_TRUE(Contains(log, "kd_leftover: workqueue kd_leftover_wq still active at unload; "
                              "destroyed"))
        << log;
    EXPECT_TRUE(Contains(log, "kd_leftover: timer periodic_fn [kd_leftover] still active at "
                              "unload; deleted"))
        << log;
    EXPECT_TRUE(Contains(log, "kd_leftover: tasklet tasklet_fn [kd_leftover] still active at "
                              "unload; killed"))
        << log;
    EXPECT_TRUE(Contains(log, "kd_leftover: kmem_cache kd_leftover_cache still exists at "
                              "unload (1 object(s)); destroyed"))
        << log;
    EXPECT_TRUE(Contains(log, "kd_leftover: module leaked 2 object(s), 8240 bytes")) << log;
    EXPECT_FALSE(Contains(log, "the queued work ran")) << log; // cancelled, not run
    EXPECT_FALSE(Contains(log, "the tasklet ran")) << log;

    // The daemon serves on, and the module loads again.
    EXPECT_EQ(run({"cat", d.path("modules")}).status, 0);
    EXPECT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kd_leftover")}).status, 0);
    EXPECT_EQ(d.lkmctl({"rmmod", "kd_leftover"}).status, 0);
    EXPECT_EQ(d.stop(), 0) << d.output();
}

TEST(DeferredLeftovers, AKthreadThatWillNotStopKeepsTheModuleCodeMappedAndTheDaemonAlive) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kd_leftover"), "stubborn=1"}).status, 0);
    auto t0 = std::chrono::steady_clock::now();
    RunResult rm = d.lkmctl({"rmmod", "kd_leftover"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 3s); // the grace it was given
    std::string log = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(log, "kd_leftover: kthread kd_leftover did not stop within 3 s of "
                              "unload; the module's code stays mapped for it"))
        << log;
    // Still serving; the name is free again.
    EXPECT_EQ(run({"cat", d.path("modules")}).status, 0);
    EXPECT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kd_leftover")}).status, 0);
    EXPECT_EQ(d.lkmctl({"rmmod", "kd_leftover"}).status, 0);
    // And it shuts down cleanly, with the stuck thread still spinning in the module.
    EXPECT_EQ(d.stop(), 0) << d.output();
}

} // namespace
} // namespace lkmfs::testing
