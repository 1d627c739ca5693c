#include "module_unload.h"

#include <linux/kernel.h>

namespace lkmfs::kernel {

namespace {

using Clock = std::chrono::steady_clock;

// One waiter's reports: after the grace period, each time what is waited for changes, and
// never "nothing" (a removal waiting for no call waits in its exit function; there is no
// call to name).
class Reporter {
  public:
    explicit Reporter(const UnloadProgress &progress) : progress_(progress) {}
    void offer(const UnloadWait &wait) {
        // Interrupted calls take a moment to return: report those that are still there
        // once the grace period passed again.
        if (wait.forced && !saw_forced_) {
            saw_forced_ = true;
            since_ = Clock::now();
        }
        if (!progress_ || Clock::now() - since_ < ModuleUnload::kReportAfter)
            return;
        if (wait.calls.empty() ||
            (reported_ && wait.forced == last_.forced && wait.calls == last_.calls))
            return;
        last_ = wait;
        reported_ = true;
        progress_(wait);
    }

  private:
    const UnloadProgress &progress_;
    Clock::time_point since_ = Clock::now();
    UnloadWait last_;
    bool reported_ = false;
    bool saw_forced_ = false;
};

// A sleeper runs for an instant now and then (it wakes to look at its signal, or
// spuriously, and sleeps again): a call found running in one sample only keeps the state
// the sample before found, so that reports do not flicker between "asleep" and "running".
void steady_states(std::vector<CallReport> *now, const std::vector<CallReport> &before) {
    for (CallReport &c : *now) {
        if (c.state != 'R')
            continue;
        for (const CallReport &b : before)
            if (b.pid == c.pid && b.entry == c.entry && b.handler == c.handler) {
                c.state = b.state;
                break;
            }
    }
}

} // namespace

ModuleUnload::ModuleUnload(std::string name, const LoadedModule *module, ModuleCalls calls)
    : name_(std::move(name)), module_(module), calls_(std::move(calls)) {
    latest_.module = name_;
}

ModuleUnload::~ModuleUnload() {
    finish();
}

void ModuleUnload::start(UnloadProgress progress) {
    watcher_ = std::thread([this, progress = std::move(progress)] { watch(progress); });
}

bool ModuleUnload::force() {
    std::lock_guard lock(mutex_);
    if (finished_)
        return false;
    forced_ = true;
    changed_.notify_all(); // the watcher interrupts at once
    return true;
}

void ModuleUnload::finish() {
    {
        std::lock_guard lock(mutex_);
        finished_ = true;
        changed_.notify_all();
    }
    if (watcher_.joinable() && watcher_.get_id() != std::this_thread::get_id())
        watcher_.join();
}

void ModuleUnload::wait(const UnloadProgress &progress) {
    Reporter reporter(progress);
    std::unique_lock lock(mutex_);
    std::uint64_t seen = 0;
    while (!finished_) {
        changed_.wait_for(lock, kTick, [&] { return finished_ || version_ != seen; });
        if (finished_)
            break;
        seen = version_;
        UnloadWait wait = latest_;
        lock.unlock();
        reporter.offer(wait);
        lock.lock();
    }
}

// The module pointer is used on this thread only, and finish() joins it before the module
// goes: a forced removal's interruptions never reach an unloaded module's entries.
void ModuleUnload::watch(UnloadProgress progress) {
    Reporter reporter(progress);
    bool announced = false;
    std::vector<CallReport> previous; // the last sample, as taken
    std::unique_lock lock(mutex_);
    while (!finished_) {
        bool forced = forced_;
        lock.unlock();
        if (forced && calls_.interrupt) {
            std::size_t signalled = calls_.interrupt(module_);
            if (signalled != 0 && !announced) {
                printk(KERN_WARNING "%s: forced removal: interrupting %zu call(s) in flight\n",
                       name_.c_str(), signalled);
                announced = true;
            }
        }
        std::vector<CallReport> calls;
        if (calls_.list)
            calls = calls_.list(module_);
        std::vector<CallReport> sample = calls;
        steady_states(&calls, previous);
        previous = std::move(sample);
        lock.lock();
        if (finished_)
            break;
        if (calls != latest_.calls || forced != latest_.forced) {
            latest_.calls = std::move(calls);
            latest_.forced = forced;
            ++version_;
            changed_.notify_all();
        }
        UnloadWait wait = latest_;
        lock.unlock();
        reporter.offer(wait);
        lock.lock();
        changed_.wait_for(lock, kTick, [&] { return finished_ || forced_ != forced; });
    }
}

} // namespace lkmfs::kernel
