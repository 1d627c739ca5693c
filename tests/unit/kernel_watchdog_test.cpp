// The soft-lockup watchdog (fsd/kernel/watchdog.cpp), with a threshold of a fraction of a
// second: module code busy past it without sleeping is reported with the kernel's words,
// the stuck thread's own RIP and call trace, and the L taint, and again each period while
// it stays stuck; code that sleeps, calls cond_resched() or has returned is not stuck.
#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "kernel/oops.h"
#include "kernel/taint.h"
#include "kernel/watchdog.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>

namespace lkmfs::kernel {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kThreshold = 300ms;

volatile std::uint64_t g_rounds = 0;

// The bug under test: a busy-wait that never gives the CPU away.
noinline void spin_busily(std::chrono::milliseconds how_long) {
    auto until = Clock::now() + how_long;
    do {
        for (int i = 0; i < 100000; ++i) // mostly here, seldom in the clock read
            g_rounds = g_rounds + 1;
    } while (Clock::now() < until);
}

noinline void busy_handler(std::chrono::milliseconds how_long) {
    spin_busily(how_long);
    g_rounds = g_rounds + 1; // not a tail call: this frame stays on the stack
}

class WatchdogTest : public ::testing::Test {
  protected:
    static KernelOptions options(std::chrono::milliseconds threshold) {
        KernelOptions o;
        o.console_loglevel = 0;
        o.softlockup_threshold = threshold;
        return o;
    }
    void SetUp() override { reset_taint_for_testing(); }

    std::string log() {
        std::string out;
        for (const LogRecord &r : kernel_->log().snapshot())
            if (r.seq >= start_)
                out += r.text + "\n";
        return out;
    }
    int reports() {
        std::string text = log();
        int n = 0;
        for (auto at = text.find("soft lockup"); at != std::string::npos;
             at = text.find("soft lockup", at + 1))
            ++n;
        return n;
    }
    // Runs `body` as a request of this process would: in an oops boundary, as `current`.
    template <class F>
    void as_request(F &&body) {
        TaskScope task(Caller{::getpid(), ::getuid(), ::getgid()});
        comm_ = get_current()->comm;
        pid_ = get_current()->pid;
        ASSERT_TRUE(run_contained("proc_read", body));
    }

    std::unique_ptr<Kernel> kernel_ = std::make_unique<Kernel>(options(kThreshold));
    std::uint64_t start_ = kernel_->log().next_seq();
    std::string comm_;
    long pid_ = 0;
};

TEST_F(WatchdogTest, ABusyCallIsReportedWithItsOwnRipAndCallTrace) {
    as_request([] { busy_handler(3 * kThreshold); });
    std::string text = log();
    std::string header = "watchdog: BUG: soft lockup - CPU#0 stuck for 0s! [" + comm_ + ":" +
                         std::to_string(pid_) + "]\n";
    ASSERT_NE(text.find(header), std::string::npos) << text;
    std::string report = text.substr(text.find(header));
    // Linux's order: the list of modules, the CPU line, the RIP, the trace of the stuck task.
    EXPECT_TRUE(std::regex_search(report, std::regex("\\]\nModules linked in:.*\nCPU: 0 PID: " +
                                                     std::to_string(pid_) + " Comm: ")))
        << report;
    EXPECT_NE(report.find("RIP: 0010:lkmfs::kernel::(anonymous namespace)::spin_busily+0x"),
              std::string::npos)
        << report;
    auto trace = report.find("Call Trace:\n <TASK>\n");
    ASSERT_NE(trace, std::string::npos) << report;
    EXPECT_NE(report.find("busy_handler+0x", trace), std::string::npos) << report;
    EXPECT_TRUE(test_taint(kTaintSoftLockup));
    EXPECT_NE(taint_string().find('L'), std::string::npos) << taint_string();
}

TEST_F(WatchdogTest, AThreadStillStuckIsReportedAgainEveryPeriod) {
    as_request([] { busy_handler(4 * kThreshold + 100ms); });
    EXPECT_GE(reports(), 2) << log();
    EXPECT_LE(reports(), 4) << log();
}

TEST_F(WatchdogTest, ACallThatSleepsOrCallsCondReschedIsNotStuck) {
    as_request([] {
        auto until = Clock::now() + 4 * kThreshold;
        while (Clock::now() < until) {
            spin_busily(kThreshold / 10); // far below the threshold, even on a busy host
            msleep(5);
        }
        until = Clock::now() + 4 * kThreshold;
        while (Clock::now() < until)
            cond_resched();
    });
    EXPECT_EQ(reports(), 0) << log();
    EXPECT_FALSE(test_taint(kTaintSoftLockup));
}

std::atomic<bool> g_kthread_done{false};

noinline int spinning_kthread(void *) {
    busy_handler(3 * kThreshold);
    g_kthread_done = true;
    return 0;
}

TEST_F(WatchdogTest, ABusyKthreadIsReportedUnderItsOwnName) {
    g_kthread_done = false;
    task_struct *k = kthread_run(spinning_kthread, nullptr, "klockup_kt");
    ASSERT_FALSE(IS_ERR(k));
    auto give_up = Clock::now() + 10s;
    while (!g_kthread_done && Clock::now() < give_up)
        std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(g_kthread_done);
    std::string text = log();
    EXPECT_TRUE(std::regex_search(
        text,
        std::regex("watchdog: BUG: soft lockup - CPU#0 stuck for 0s! \\[klockup_kt:[0-9]+\\]\n")))
        << text;
    EXPECT_NE(text.find("Comm: klockup_kt "), std::string::npos) << text;
    EXPECT_NE(text.find("spinning_kthread+0x"), std::string::npos) << text;
}

// A wait of the daemon's own reached from module code (proc_remove() waiting for the
// readers of an entry, kthread_stop()) blocks in the host kernel: not a lockup either.
TEST_F(WatchdogTest, ACallBlockedInTheHostKernelIsNotStuck) {
    as_request([] {
        std::mutex m;
        std::condition_variable never;
        std::unique_lock lock(m);
        never.wait_for(lock, 4 * kThreshold, [] { return false; });
        spin_busily(kThreshold / 2);
        never.wait_for(lock, 4 * kThreshold, [] { return false; });
    });
    EXPECT_EQ(reports(), 0) << log();
}

TEST_F(WatchdogTest, BusyOutsideModuleCodeOrAfterTheCallReturnedIsNotALockup) {
    as_request([] { spin_busily(10ms); });
    spin_busily(4 * kThreshold); // the daemon's own work on the same thread
    EXPECT_EQ(reports(), 0) << log();
}

TEST_F(WatchdogTest, AnOopsInsideTheCallEndsTheEpisode) {
    TaskScope task(Caller{::getpid(), ::getuid(), ::getgid()});
    EXPECT_FALSE(run_contained("proc_read", [] {
        spin_busily(kThreshold / 2);
        BUG();
    }));
    spin_busily(4 * kThreshold);
    EXPECT_EQ(reports(), 0) << log();
}

TEST_F(WatchdogTest, AZeroThresholdTurnsTheWatchdogOff) {
    kernel_.reset();
    kernel_ = std::make_unique<Kernel>(options(0ms));
    start_ = kernel_->log().next_seq();
    as_request([] { busy_handler(4 * kThreshold); });
    EXPECT_EQ(reports(), 0) << log();
}

} // namespace
} // namespace lkmfs::kernel
