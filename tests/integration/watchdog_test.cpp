// The soft-lockup watchdog through a real mount (module tests/modules/klockup): a read that
// busy-waits past the threshold (debug.watchdog_thresh: 1, so 2 s) is reported in kmsg as
// Linux reports a soft lockup, naming the function, the reader's comm and pid, with the L
// taint; meanwhile the mount serves other entries; the spinning read completes in the end.
// The same wait with cond_resched() is no lockup.
#include "background.h"
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>

namespace lkmfs::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr unsigned long kTaintSoftLockup = 1UL << 14;

std::string config() {
    return test_modules_config("klockup") + "debug:\n  watchdog_thresh: 1\n";
}

// The log without the "[    2.042026] " timestamps.
std::string dmesg(const Daemon &d) {
    return std::regex_replace(d.lkmctl({"dmesg"}).out, std::regex("(^|\n)\\[ *[0-9]+\\.[0-9]+\\] "),
                              "$1");
}

unsigned long tainted(const Daemon &d) {
    return std::stoul(run({"cat", d.path("sys/kernel/tainted")}).out);
}

TEST(Watchdog, ABusyReadIsReportedAsASoftLockupWhileTheMountServesOn) {
    Daemon d({.config = config()});
    ASSERT_TRUE(d.started()) << d.output();
    auto start = Clock::now();
    Background spinner({"cat", d.path("klockup/spin")});
    // While the reader spins (3 s), other entries and other calls are served.
    std::this_thread::sleep_for(300ms);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(run({"cat", d.path("klockup/ok")}).out, "still here\n");
        EXPECT_EQ(run({"cat", d.path("modules")}).status, 0);
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_TRUE(spinner.running()) << "the read ended early";
    auto status = spinner.wait_exit(15s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0) << spinner.errors();
    EXPECT_EQ(spinner.output(), "spun 3000 ms\n");
    EXPECT_GE(Clock::now() - start, 3s);

    std::string log = dmesg(d);
    std::string pid = std::to_string(spinner.pid());
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        log, m,
        std::regex("watchdog: BUG: soft lockup - CPU#0 stuck for [23]s! \\[cat:" + pid + "\\]\n")))
        << log;
    std::string report = m.suffix();
    EXPECT_TRUE(report.starts_with("Modules linked in: klockup(OE)\n")) << report;
    EXPECT_TRUE(Contains(report, "CPU: 0 PID: " + pid + " Comm: cat Tainted: G")) << report;
    EXPECT_TRUE(
        std::regex_search(report, std::regex("RIP: 0010:busy_read\\+0x[0-9a-f]+/0x[0-9a-f]+ "
                                             "\\[klockup\\]\n")))
        << report;
    EXPECT_TRUE(Contains(report, "Call Trace:\n <TASK>\n")) << report;
    EXPECT_TRUE(Contains(report, " </TASK>\n")) << report;
    // Reported once: the next report would come 2 s after the first, after the read ended.
    EXPECT_EQ(std::regex_search(report, std::regex("soft lockup")), false) << log;
    EXPECT_NE(tainted(d) & kTaintSoftLockup, 0UL);
    EXPECT_TRUE(Contains(run({"cat", d.path("modules")}).out, " - Live")); // not a module taint
}

TEST(Watchdog, TheSameWaitWithCondReschedIsNoLockup) {
    Daemon d({.config = config()});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"param", "klockup", "spin_ms", "2600"}).status, 0);
    RunResult cat = run({"cat", d.path("klockup/polite")});
    EXPECT_EQ(cat.out, "spun 2600 ms\n") << cat.err;
    EXPECT_FALSE(Contains(dmesg(d), "soft lockup")) << dmesg(d);
    EXPECT_EQ(tainted(d) & kTaintSoftLockup, 0UL);
}

} // namespace
} // namespace lkmfs::testing
