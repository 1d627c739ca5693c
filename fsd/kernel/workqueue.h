// Workqueues (<linux/workqueue.h>): queues of work items served by worker threads in
// process context. One lock guards every queue and item state, which keeps the rules
// Linux gives simple to hold: an item is queued at most once (its PENDING bit), never runs
// on two workers at once, and a canceller owns the PENDING bit until it is done, so a
// self-requeueing item cannot slip past cancel_work_sync().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct work_struct;
struct delayed_work;
struct workqueue_struct;

namespace lkmfs::kernel {

class LoadedModule;

class Workqueues {
  public:
    Workqueues();
    ~Workqueues(); // destroys every queue, the system ones last
    Workqueues(const Workqueues &) = delete;
    Workqueues &operator=(const Workqueues &) = delete;

    workqueue_struct *create(std::string name, unsigned int flags, int max_active,
                             LoadedModule *owner);
    void destroy(workqueue_struct *wq);
    void flush(workqueue_struct *wq);
    void drain(workqueue_struct *wq);

    bool queue(workqueue_struct *wq, work_struct *work, LoadedModule *owner);
    bool queue_delayed(workqueue_struct *wq, delayed_work *dwork, unsigned long delay,
                       LoadedModule *owner, bool modify);
    void delayed_timer_fired(delayed_work *dwork); // softirq: the delay is over
    bool flush_work(work_struct *work);
    bool cancel(work_struct *work, bool sync);
    bool cancel_delayed(delayed_work *dwork, bool sync);
    bool flush_delayed(delayed_work *dwork);
    work_struct *current_work() const;

    // Cancels the work `module` queued and destroys the queues it made; the names (work
    // functions, queue names) for the unload report.
    struct Leftovers {
        std::vector<std::string> work;
        std::vector<std::string> queues;
    };
    Leftovers remove_owned_by(const LoadedModule *module);

  private:
    struct WorkState {
        workqueue_struct *queued_on = nullptr; // null: not in a queue
        std::uint64_t queued_seq = 0;
        LoadedModule *owner = nullptr; // whose code the function is: the queuer's module
        bool running = false;
        std::uint64_t running_seq = 0;
        workqueue_struct *running_on = nullptr;
        std::thread::id runner;
        int cancelling = 0;         // cancellers holding the PENDING bit
        bool delayed_armed = false; // a delayed_work whose timer will queue it
    };
    void enqueue_locked(workqueue_struct *wq, work_struct *work, LoadedModule *owner);
    bool dequeue_locked(work_struct *work);
    void forget_if_idle_locked(work_struct *work);
    void worker_loop(workqueue_struct *wq, int index);
    void destroy_locked(std::unique_lock<std::mutex> &lock, workqueue_struct *wq);

    mutable std::mutex mutex_;
    std::condition_variable work_done_;
    std::uint64_t next_seq_ = 1;
    std::vector<std::unique_ptr<workqueue_struct>> queues_;
    std::unordered_map<work_struct *, WorkState> states_;
};

} // namespace lkmfs::kernel
