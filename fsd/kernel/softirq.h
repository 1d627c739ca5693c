// The simulated kernel's softirq thread (ksoftirqd/0): the timer tick and the tasklets.
// It runs a Boost.Asio io_context: a steady timer fires at every tick boundary (HZ times a
// second), advances `jiffies` and expires kernel timers; tasklets are posted to it.
// Everything it runs runs in softirq context, one callback at a time, as on one CPU.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct tasklet_struct;

namespace lkmfs::kernel {

class LoadedModule;
class TimerBase;

class Softirq {
  public:
    explicit Softirq(TimerBase &timers);
    ~Softirq(); // stops the tick; pending tasklets are dropped
    Softirq(const Softirq &) = delete;
    Softirq &operator=(const Softirq &) = delete;

    // Queues a tasklet whose SCHED bit the caller set; `hi` puts it first.
    void schedule_tasklet(tasklet_struct *t, LoadedModule *owner, bool hi);
    // Waits until `t` is neither scheduled nor running (tasklet_kill).
    void kill_tasklet(tasklet_struct *t);
    // Waits until `t` is not running (tasklet_unlock_wait).
    void wait_tasklet_idle(tasklet_struct *t);
    // Drops the tasklets `module` scheduled (waiting for one that runs); their names.
    std::vector<std::string> remove_owned_by(const LoadedModule *module);

    bool on_softirq_thread() const { return std::this_thread::get_id() == thread_id_.load(); }

  private:
    struct Scheduled {
        tasklet_struct *tasklet;
        LoadedModule *owner;
    };
    void arm_tick();
    void on_tick();
    void run_tasklets();

    TimerBase &timers_;
    boost::asio::io_context io_;
    boost::asio::steady_timer tick_;
    unsigned long next_tick_ = 0;

    std::mutex mutex_;
    std::condition_variable tasklet_done_;
    std::deque<Scheduled> tasklets_;
    bool run_posted_ = false;
    tasklet_struct *running_tasklet_ = nullptr;

    std::atomic<std::thread::id> thread_id_{};
    std::thread thread_;
};

} // namespace lkmfs::kernel
