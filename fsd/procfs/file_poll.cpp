#include "file_poll.h"

#include <type_traits>
#include <utility>

namespace lkmfs::procfs {

static_assert(std::is_standard_layout_v<FilePoll::Table>,
              "queue_proc converts the poll_table back into its Table");

FilePoll::Table::Table(FilePoll &owner, __poll_t events, bool may_wait) : owner_(&owner) {
    pt_._qproc = may_wait ? &Table::queue_proc : nullptr;
    pt_._key = events;
}

void FilePoll::Table::queue_proc(struct file *, wait_queue_head_t *wq, poll_table *pt) {
    Table *table = reinterpret_cast<Table *>(pt);
    table->owner_->add_queue(wq, pt->_key);
}

FilePoll::~FilePoll() {
    close(false);
}

void FilePoll::add_queue(wait_queue_head_t *wq, __poll_t events) {
    std::lock_guard lock(entries_mutex_);
    if (entries_closed_)
        return; // the file is being released: nothing may be left on a queue
    for (Waiter &w : waiters_) {
        if (w.head == wq) {
            w.events.fetch_or(events);
            return;
        }
    }
    Waiter &w = waiters_.emplace_back();
    w.head = wq;
    w.owner = this;
    w.events.store(events);
    init_waitqueue_func_entry(&w.entry, &FilePoll::wake);
    add_wait_queue(wq, &w.entry);
}

int FilePoll::wake(wait_queue_entry_t *entry, unsigned, int, void *key) {
    static_assert(std::is_standard_layout_v<Waiter>, "found from its entry with offsetof");
    auto *w = reinterpret_cast<Waiter *>(reinterpret_cast<char *>(entry) - offsetof(Waiter, entry));
    // As Linux's pollwake(): a wake_up_poll() for events nobody here waits for passes by.
    if (key != nullptr && (key_to_poll(key) & w->events.load()) == 0)
        return 0;
    w->owner->notify();
    return 1;
}

void FilePoll::notify() {
    std::lock_guard lock(notify_mutex_);
    if (notify_)
        notify_();
}

void FilePoll::set_notifier(PollNotify notify) {
    PollNotify old;
    {
        std::lock_guard lock(notify_mutex_);
        if (notify_closed_) {
            old = std::move(notify);
        } else {
            old = std::move(notify_);
            notify_ = std::move(notify);
        }
    }
    // `old` goes here, outside the lock: destroying it may release a FUSE poll handle.
}

void FilePoll::close(bool wake_poller) {
    {
        std::lock_guard lock(entries_mutex_);
        entries_closed_ = true;
        for (Waiter &w : waiters_)
            remove_wait_queue(w.head, &w.entry);
        waiters_.clear();
    }
    PollNotify last;
    {
        std::lock_guard lock(notify_mutex_);
        notify_closed_ = true;
        last = std::move(notify_);
        notify_ = nullptr;
    }
    if (wake_poller && last)
        last();
}

std::size_t FilePoll::queue_count() const {
    std::lock_guard lock(entries_mutex_);
    return waiters_.size();
}

} // namespace lkmfs::procfs
