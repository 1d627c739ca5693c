// Threads for the server's blocking work: each request that may sleep (module init and
// exit, waiting for log records) gets its own thread, so that no client waits for another
// one's module. Finished threads are joined as new ones start; join_all() waits for the
// rest when the server stops.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace lkmfs::control {

class ThreadGroup {
  public:
    explicit ThreadGroup(std::size_t max_threads) : max_threads_(max_threads) {}
    ~ThreadGroup() { join_all(); }
    ThreadGroup(const ThreadGroup &) = delete;
    ThreadGroup &operator=(const ThreadGroup &) = delete;

    // Runs `work` on a new thread. False when max_threads are already running or the
    // system refuses another thread; `work` is not run then.
    bool spawn(std::function<void()> work);

    // Waits for every thread, including ones spawned while waiting.
    void join_all();

  private:
    void reap_finished_locked();

    const std::size_t max_threads_;
    std::mutex mutex_;
    std::map<std::thread::id, std::thread> running_;
    std::vector<std::thread::id> finished_;
};

} // namespace lkmfs::control
