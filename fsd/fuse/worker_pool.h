// Watches how many FUSE workers are busy in module code. libfuse's multi-threaded loop
// starts another worker whenever none is idle, up to mount.max_threads, and says nothing
// when it gets there. A worker is held from a request's receipt to its reply, so a handler
// that sleeps holds one: once calls into module code fill every worker, nobody reads
// /dev/fuse, and every other request through the mount (the FUSE INTERRUPT of Ctrl-C on a
// sleeping call included) waits until one of them returns. That deserves a line in the
// log: once the pool has stayed full for kSustained (a burst of quick calls that fills it
// for an instant is no news), and again only after it has drained to half the cap.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace lkmfs::fuse {

class WorkerPool {
  public:
    static constexpr std::chrono::milliseconds kSustained{250};

    WorkerPool() = default;
    ~WorkerPool();
    WorkerPool(const WorkerPool &) = delete;
    WorkerPool &operator=(const WorkerPool &) = delete;

    // While serving: `cap` is mount.max_threads. stop() ends the watching (and its thread).
    void start(unsigned cap);
    void stop();

    // A request's call into module code, for its duration. Cheap unless the count
    // reaches the cap or leaves it.
    class Busy {
      public:
        explicit Busy(WorkerPool &pool) : pool_(pool) { pool_.enter(); }
        ~Busy() { pool_.leave(); }
        Busy(const Busy &) = delete;
        Busy &operator=(const Busy &) = delete;

      private:
        WorkerPool &pool_;
    };

  private:
    void enter();
    void leave();
    void watch();

    std::atomic<unsigned> cap_{0}; // 0: not watching
    std::atomic<unsigned> busy_{0};
    std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    bool reported_ = false;   // this saturation was logged; re-armed at half the cap
    std::uint64_t drops_ = 0; // times the count fell below the cap
    std::thread watcher_;
};

} // namespace lkmfs::fuse
