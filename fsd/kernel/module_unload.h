// A module's removal while it waits. As in Linux, removing a /proc entry waits for the
// calls in flight on it (rundown), so an rmmod whose exit removes an entry with readers
// asleep in it waits for them. Unlike Linux, the wait is visible and escapable: a watcher
// names the calls the removal waits for (reported to whoever waits for the removal), and
// a forced removal interrupts them, as a signal to their processes would.
#pragma once

#include "call_report.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lkmfs::kernel {

class LoadedModule;

// What a removal waits for, as reported.
struct UnloadWait {
    std::string module;
    bool forced = false;           // the calls are being interrupted
    std::vector<CallReport> calls; // calls in flight on the module's entries
};
// Called whenever what the removal waits for changes, once it has waited a little (quick
// removals report nothing). Never called with the registry's locks held.
using UnloadProgress = std::function<void(const UnloadWait &)>;

// How the registry reaches the calls into a module's code (the /proc tree provides them).
// The module is an identity only: it may be on its way out.
struct ModuleCalls {
    std::function<std::vector<CallReport>(const LoadedModule *)> list;
    // Returns how many calls it signalled.
    std::function<std::size_t(const LoadedModule *)> interrupt;
};

class ModuleUnload {
  public:
    // How often the watcher looks at the calls, and how long a removal waits before it
    // reports (most removals are over long before).
    static constexpr std::chrono::milliseconds kTick{50};
    static constexpr std::chrono::milliseconds kReportAfter{250};

    ModuleUnload(std::string name, const LoadedModule *module, ModuleCalls calls);
    ~ModuleUnload();
    ModuleUnload(const ModuleUnload &) = delete;
    ModuleUnload &operator=(const ModuleUnload &) = delete;

    const std::string &name() const { return name_; }

    // Starts the watcher thread; `progress` is called on it.
    void start(UnloadProgress progress);
    // From any thread: the calls into the module are interrupted from now on, every tick,
    // so that calls that began meanwhile are caught too. False once the removal is over.
    bool force();
    // From another thread: waits until the removal is over, reporting through `progress`.
    void wait(const UnloadProgress &progress);
    // The removal is over (the module is out of the list, its code about to go): stops the
    // watcher, which never touches the module afterwards, and releases the waiters.
    void finish();

  private:
    void watch(UnloadProgress progress);

    const std::string name_;
    const LoadedModule *const module_;
    const ModuleCalls calls_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool forced_ = false;
    bool finished_ = false;
    UnloadWait latest_;         // what the watcher saw last
    std::uint64_t version_ = 0; // bumped when latest_ changes
    std::thread watcher_;
};

} // namespace lkmfs::kernel
