// The poll state of one open /proc file: the wait-queue entries its proc_poll registered
// with poll_wait(), and the notifier that makes the poller (the kernel's FUSE client) poll
// the file again when one of those queues is woken.
//
// Linux's poll(2) takes its entries off the queues when the call returns, and epoll keeps
// them until the file goes. FUSE polls through the kernel, which needs one notification to
// re-poll every poller of the file, so the entries here live as epoll's do: one per queue,
// from the first poll_wait() on it to the file's release (or its entry's removal). Their
// wake function calls the notifier, from whatever thread woke the queue (a request thread,
// a timer on the softirq thread, a worker), with the queue's lock held.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>

#include <linux/poll.h>

namespace lkmfs::procfs {

// Tells the poller to poll again. Called with a wait queue's lock held: it must be quick,
// must not sleep for long and must not call back into procfs or module code.
using PollNotify = std::function<void()>;

class FilePoll {
  public:
    FilePoll() = default;
    ~FilePoll(); // closes, without waking anyone
    FilePoll(const FilePoll &) = delete;
    FilePoll &operator=(const FilePoll &) = delete;

    // The poll_table a proc_poll call gets. poll_wait() on it adds the file to the queue,
    // unless the table does not wait (the poller asked for no notification).
    class Table {
      public:
        Table(FilePoll &owner, __poll_t events, bool may_wait);
        poll_table *get() { return &pt_; }

      private:
        static void queue_proc(struct file *, wait_queue_head_t *wq, poll_table *pt);
        poll_table pt_; // first: queue_proc finds the Table from it
        FilePoll *owner_;
    };

    // The newest notifier replaces (and destroys) the previous one; after close() it is
    // destroyed at once.
    void set_notifier(PollNotify notify);

    // Takes every entry off its queue (no wake function of this file runs once it returns)
    // and destroys the notifier, after calling it once if `wake_poller`: a poller then
    // polls again instead of waiting for a wake-up that can no longer come.
    void close(bool wake_poller);

    // How many queues the file waits on (for tests).
    std::size_t queue_count() const;

  private:
    // One queue the file waits on. `events` only grows: pollers of one file may wait for
    // different events, and FUSE tells us only the current one's; a wake-up let through
    // needlessly just makes the kernel poll once more.
    struct Waiter {
        wait_queue_entry_t entry{};
        wait_queue_head_t *head = nullptr;
        FilePoll *owner = nullptr;
        std::atomic<__poll_t> events{0};
    };
    void add_queue(wait_queue_head_t *wq, __poll_t events);
    void notify();
    static int wake(wait_queue_entry_t *entry, unsigned mode, int sync, void *key);

    // Lock order: entries_mutex_ before a queue's lock (add, remove); a queue's lock before
    // notify_mutex_ (wake). Neither of ours is held while taking the other.
    mutable std::mutex entries_mutex_;
    std::list<Waiter> waiters_; // stable addresses: queues point into them
    bool entries_closed_ = false;

    std::mutex notify_mutex_;
    PollNotify notify_;
    bool notify_closed_ = false;
};

} // namespace lkmfs::procfs
