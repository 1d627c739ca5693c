// Kernel threads (<linux/kthread.h>): host threads that run a module's function as their
// own task. A thread stays registered after its function returns, until kthread_stop()
// collects its result (Linux would free an exited thread's task, and a late kthread_stop()
// would be a use after free; here it is simply answered).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <linux/sched.h>

namespace lkmfs::kernel {

class LoadedModule;

class KThreads {
  public:
    KThreads();
    ~KThreads(); // stops whatever still runs
    KThreads(const KThreads &) = delete;
    KThreads &operator=(const KThreads &) = delete;

    // Starts a thread that sleeps until wake_up_process(); its task, or ERR_PTR.
    task_struct *create(int (*fn)(void *), void *data, std::string name, LoadedModule *owner);
    int stop(task_struct *task);
    static bool should_stop();
    void *data_of(task_struct *task);

    // Stops the threads `module` left running (each gets `grace` to return); names of
    // those stopped, and of those that would not stop.
    struct Leftovers {
        std::vector<std::string> stopped;
        std::vector<std::string> stuck;
    };
    Leftovers remove_owned_by(const LoadedModule *module, std::chrono::milliseconds grace);

    struct Thread; // one kernel thread (kthread.cpp)

  private:
    std::unique_ptr<Thread> take(task_struct *task);

    std::mutex mutex_;
    std::unordered_map<task_struct *, std::unique_ptr<Thread>> threads_;
    std::vector<std::unique_ptr<Thread>> stuck_; // would not stop at their module's unload
};

} // namespace lkmfs::kernel
