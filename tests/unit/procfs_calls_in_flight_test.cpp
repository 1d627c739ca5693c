// The calls in flight on a module's /proc entries, as a removal of the module sees them
// (fsd/procfs: proc_dir_entry's named uses, ProcTree::calls_into/interrupt_calls_into) and
// as the registry waits for them (fsd/kernel/module_unload: reports, forced interruption,
// a forced rmmod joining a waiting one). Handlers here sleep in wait queues, as a module's.
#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "kernel/loaded_module.h"
#include "kernel/module_unload.h"
#include "procfs/file_ops.h"
#include "procfs/proc_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <unistd.h>

#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/proc_fs.h>
#include <linux/wait.h>

namespace lkmfs::procfs {
namespace {

using namespace std::chrono_literals;
using kernel::CallReport;
using kernel::TaskSignal;

DECLARE_WAIT_QUEUE_HEAD(g_queue);
std::atomic<bool> g_ready{false};
std::atomic<int> g_d_ms{0}; // > 0: sleep uninterruptibly for at most this long

ssize_t sleepy_read(struct file *, char __user *, size_t, loff_t *) {
    if (g_d_ms.load() > 0) {
        wait_event_timeout(g_queue, g_ready.load(), msecs_to_jiffies(g_d_ms.load()));
        return 0;
    }
    if (wait_event_interruptible(g_queue, g_ready.load()))
        return -ERESTARTSYS;
    return 0;
}

const struct proc_ops kSleepyOps = [] {
    struct proc_ops ops {};
    ops.proc_read = sleepy_read;
    return ops;
}();

bool eventually(const std::function<bool()> &pred, std::chrono::milliseconds limit = 5s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until)
            return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

class CallsInFlightTest : public ::testing::Test {
  protected:
    CallsInFlightTest() {
        g_ready = false;
        g_d_ms = 0;
    }
    ~CallsInFlightTest() override {
        g_ready = true; // never leave a reader behind
        wake_up_all(&g_queue);
        for (auto &r : readers_)
            r.wait();
    }

    static kernel::KernelOptions quiet() {
        kernel::KernelOptions o;
        o.console_loglevel = 0;
        return o;
    }

    // An entry owned by module_ (created in its scope, as in its init).
    proc_dir_entry::Ptr create(const char *name) {
        kernel::ModuleScope scope(&module_);
        proc_dir_entry *de = proc_create(name, 0666, nullptr, &kSleepyOps);
        EXPECT_NE(de, nullptr);
        return de != nullptr ? kernel_.proc().find(de->ino) : nullptr;
    }

    // A read on a thread serving this process's request, with its own signal.
    void start_read(const proc_dir_entry::Ptr &entry) {
        OpenResult opened = open_entry(entry, O_RDONLY);
        ASSERT_EQ(opened.err, 0);
        files_.push_back(opened.file);
        readers_.push_back(std::async(std::launch::async, [file = opened.file] {
            TaskSignal signal;
            kernel::TaskScope task(kernel::Caller{getpid(), 0, 0}, &signal);
            char buf[8];
            return read_file(*file, buf, sizeof buf, 0);
        }));
    }

    std::vector<CallReport> calls() { return kernel_.proc().calls_into(&module_); }

    bool asleep(std::size_t n, char state = 'S') {
        return eventually([&] {
            auto now = calls();
            return now.size() == n &&
                   std::all_of(now.begin(), now.end(), [&](auto &c) { return c.state == state; });
        });
    }

    kernel::Kernel kernel_{quiet()};
    kernel::LoadedModule module_{"cf_module", "test", kernel::ModuleImage{}};
    std::vector<std::shared_ptr<OpenFile>> files_;
    std::vector<std::future<ssize_t>> readers_;
};

TEST_F(CallsInFlightTest, ACallInFlightIsNamedWithItsTaskAndHowItSleeps) {
    auto entry = create("cf_named");
    start_read(entry);
    ASSERT_TRUE(asleep(1)) << "the read never slept";
    CallReport c = calls().at(0);
    EXPECT_EQ(c.entry, "cf_named");
    EXPECT_EQ(c.handler, "read");
    EXPECT_EQ(c.pid, getpid());
    EXPECT_FALSE(c.comm.empty());
    // Calls into other modules' entries are not this module's.
    kernel::LoadedModule other("cf_other", "test", kernel::ModuleImage{});
    EXPECT_TRUE(kernel_.proc().calls_into(&other).empty());

    g_ready = true;
    wake_up_all(&g_queue);
    ASSERT_EQ(readers_[0].wait_for(5s), std::future_status::ready);
    EXPECT_EQ(readers_[0].get(), 0);
    readers_.clear();
    EXPECT_TRUE(calls().empty()) << "a call that returned is still listed";
}

TEST_F(CallsInFlightTest, InterruptingEndsInterruptibleSleepsWhileTheEntryRunsDown) {
    auto entry = create("cf_rundown");
    start_read(entry);
    start_read(entry);
    ASSERT_TRUE(asleep(2));
    // The removal waits for both; the entry is out of the tree, its calls still listed.
    auto remover = std::async(std::launch::async, [] { remove_proc_entry("cf_rundown", nullptr); });
    EXPECT_EQ(remover.wait_for(200ms), std::future_status::timeout);
    EXPECT_EQ(kernel_.proc().lookup(ProcTree::kRootIno, "cf_rundown"), nullptr);
    auto now = calls();
    ASSERT_EQ(now.size(), 2u);
    EXPECT_EQ(now[0].entry, "cf_rundown");

    EXPECT_EQ(kernel_.proc().interrupt_calls_into(&module_), 2u);
    ASSERT_EQ(remover.wait_for(5s), std::future_status::ready) << "the rundown still waits";
    for (auto &r : readers_) {
        ASSERT_EQ(r.wait_for(5s), std::future_status::ready);
        EXPECT_EQ(r.get(), -ERESTARTSYS);
    }
    readers_.clear();
    EXPECT_TRUE(calls().empty());
}

TEST_F(CallsInFlightTest, AnUninterruptibleSleepIsReportedAndNotEndedByInterrupting) {
    g_d_ms = 600;
    auto entry = create("cf_dstate");
    start_read(entry);
    ASSERT_TRUE(asleep(1, 'D'));
    kernel_.proc().interrupt_calls_into(&module_);
    EXPECT_EQ(readers_[0].wait_for(200ms), std::future_status::timeout)
        << "a signal ended an uninterruptible sleep";
    ASSERT_EQ(readers_[0].wait_for(5s), std::future_status::ready);
    EXPECT_EQ(readers_[0].get(), 0);
    readers_.clear();
}

// ---- ModuleUnload: what a removal reports, and forcing it --------------------------------

class UnloadWatchTest : public CallsInFlightTest {
  protected:
    kernel::ModuleCalls module_calls() {
        return {[this](const kernel::LoadedModule *m) { return kernel_.proc().calls_into(m); },
                [this](const kernel::LoadedModule *m) {
                    return kernel_.proc().interrupt_calls_into(m);
                }};
    }
    struct Reports {
        std::mutex mutex;
        std::vector<kernel::UnloadWait> seen;
        std::size_t size() {
            std::lock_guard lock(mutex);
            return seen.size();
        }
        kernel::UnloadWait at(std::size_t i) {
            std::lock_guard lock(mutex);
            return seen.at(i);
        }
    };
    kernel::UnloadProgress recorder(Reports &r) {
        return [&r](const kernel::UnloadWait &w) {
            std::lock_guard lock(r.mutex);
            r.seen.push_back(w);
        };
    }
};

TEST_F(UnloadWatchTest, AWaitingRemovalReportsItsCallsAfterTheGracePeriodOnly) {
    auto entry = create("cf_report");
    start_read(entry);
    ASSERT_TRUE(asleep(1));
    Reports reports;
    kernel::ModuleUnload unload("cf_module", &module_, module_calls());
    auto started = std::chrono::steady_clock::now();
    unload.start(recorder(reports));
    ASSERT_TRUE(eventually([&] { return reports.size() >= 1; }));
    EXPECT_GE(std::chrono::steady_clock::now() - started, kernel::ModuleUnload::kReportAfter);
    kernel::UnloadWait first = reports.at(0);
    EXPECT_EQ(first.module, "cf_module");
    EXPECT_FALSE(first.forced);
    ASSERT_EQ(first.calls.size(), 1u);
    EXPECT_EQ(first.calls[0].state, 'S');
    // Nothing new to say: no new report.
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(reports.size(), 1u);

    // A forced join interrupts the call and waits for the removal to be over.
    auto joiner = std::async(std::launch::async, [&] {
        bool joined = unload.force();
        unload.wait({});
        return joined;
    });
    ASSERT_EQ(readers_[0].wait_for(5s), std::future_status::ready) << "not interrupted";
    EXPECT_EQ(readers_[0].get(), -ERESTARTSYS);
    readers_.clear();
    EXPECT_EQ(joiner.wait_for(200ms), std::future_status::timeout) << "the removal is not over";
    unload.finish();
    ASSERT_EQ(joiner.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(joiner.get());
    EXPECT_FALSE(unload.force()) << "forcing a removal that is over";
    // The interrupted call returned at once: no report of it as forced.
    EXPECT_EQ(reports.size(), 1u);
}

TEST_F(UnloadWatchTest, AForcedRemovalCatchesCallsThatBeginAfterIt) {
    auto entry = create("cf_late");
    kernel::ModuleUnload unload("cf_module", &module_, module_calls());
    unload.force();
    unload.start({});
    start_read(entry); // arrives after the force, before the entry goes
    ASSERT_EQ(readers_[0].wait_for(5s), std::future_status::ready)
        << "a call that began after the force was not interrupted";
    EXPECT_EQ(readers_[0].get(), -ERESTARTSYS);
    readers_.clear();
    unload.finish();
}

} // namespace
} // namespace lkmfs::procfs
