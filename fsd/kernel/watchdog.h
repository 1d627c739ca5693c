// The soft-lockup detector (Linux's kernel/watchdog.c). A thread that runs module code for
// longer than the threshold without sleeping, as a handler spinning in a busy-wait does, is
// reported as "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [cat:1234]" with the
// module list, the CPU line, the RIP where it was interrupted and its call trace; the
// kernel is tainted L. The report repeats every threshold period while the thread stays
// stuck, as Linux's does. Nothing else happens to the thread: it cannot be stopped, and
// the mount goes on serving on its other threads.
//
// How it sees a thread: every call into module code (run_contained) marks the thread busy
// from its start; each sleep (futex_sleep, the other sleeping primitives), cond_resched()
// and yield() "touch" it, as the scheduler running the watchdog's stopper touches Linux's
// per-CPU timestamp. A watchdog thread looks at the busy threads every threshold/5 (the
// sample period of Linux). One stuck for the threshold is sampled: a dedicated signal,
// sent with tgkill, makes it record its own interrupted instruction and backtrace (on the
// oops handler's alternate stack, into a buffer allocated beforehand); the watchdog then
// prints them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace lkmfs::kernel {

// Calls into module code on this thread begin and end (nested calls count once).
void watchdog_call_begin();
void watchdog_call_end();

// The thread scheduled (cond_resched, yield): it is not stuck.
void watchdog_touch();

// The thread sleeps while this lives, and is touched when it wakes.
class WatchdogSleep {
  public:
    WatchdogSleep();
    ~WatchdogSleep();
    WatchdogSleep(const WatchdogSleep &) = delete;
    WatchdogSleep &operator=(const WatchdogSleep &) = delete;
};

// The detector's thread. A zero threshold disables it (no thread runs).
class SoftLockupWatchdog {
  public:
    explicit SoftLockupWatchdog(std::chrono::milliseconds threshold);
    ~SoftLockupWatchdog();
    SoftLockupWatchdog(const SoftLockupWatchdog &) = delete;
    SoftLockupWatchdog &operator=(const SoftLockupWatchdog &) = delete;

    std::chrono::milliseconds threshold() const { return threshold_; }

  private:
    void run();
    void check_once();

    std::chrono::milliseconds threshold_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace lkmfs::kernel
