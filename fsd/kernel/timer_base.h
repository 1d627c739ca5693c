// The pending kernel timers (<linux/timer.h>) and how they expire: the softirq thread
// calls run_expired() every tick; each expired timer's callback runs there, in softirq
// context, in the scope of the module that armed it. A timer is pending while it is in
// the queue; `entry.pprev` mirrors that for timer_pending().
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct timer_list;

namespace lkmfs::kernel {

class LoadedModule;

class TimerBase {
  public:
    TimerBase() = default;
    TimerBase(const TimerBase &) = delete;
    TimerBase &operator=(const TimerBase &) = delete;

    // (Re)queues `timer` to expire at `expires`, armed by `owner`. Returns whether it was
    // pending. With only_if_pending, an inactive timer stays inactive (mod_timer_pending);
    // with only_if_earlier, a pending timer is moved only to an earlier time (timer_reduce).
    enum class Arm { Always, OnlyIfPending, OnlyIfEarlier };
    int arm(timer_list *timer, unsigned long expires, LoadedModule *owner, Arm how);
    // Takes `timer` out of the queue; returns whether it was pending.
    int remove(timer_list *timer);
    // remove(), then waits until its callback is not running. From the timer's own
    // callback it cannot wait: it warns and returns; try_only reports -1 instead of waiting.
    int remove_sync(timer_list *timer, bool try_only = false);

    // Runs the callbacks of the timers expired at tick `now` (softirq thread only).
    void run_expired(unsigned long now);

    // Deletes the timers armed by `module` (waiting for a running callback) and returns
    // the names of their callbacks, for the unload report.
    std::vector<std::string> remove_owned_by(const LoadedModule *module);

  private:
    struct Entry {
        timer_list *timer;
        LoadedModule *owner;
    };
    using Queue = std::multimap<unsigned long, Entry>;
    void unlink(Queue::iterator it);

    std::mutex mutex_;
    std::condition_variable callback_done_;
    Queue queue_;
    std::unordered_map<timer_list *, Queue::iterator> index_;
    timer_list *running_ = nullptr; // whose callback runs now
    std::thread::id softirq_thread_;
};

} // namespace lkmfs::kernel
