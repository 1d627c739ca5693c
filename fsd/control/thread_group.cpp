#include "thread_group.h"

#include <system_error>
#include <utility>

namespace lkmfs::control {

bool ThreadGroup::spawn(std::function<void()> work) {
    std::lock_guard lock(mutex_);
    reap_finished_locked();
    if (running_.size() >= max_threads_)
        return false;
    try {
        std::thread thread([this, work = std::move(work)] {
            try {
                work();
            } catch (...) {
                // Work reports its own failures; an escaped exception must not terminate
                // the daemon, and there is nobody left here to tell.
            }
            std::lock_guard done_lock(mutex_);
            finished_.push_back(std::this_thread::get_id());
        });
        // The thread may already have finished (and queued its id): reaping finds it.
        running_.emplace(thread.get_id(), std::move(thread));
    } catch (const std::system_error &) {
        return false;
    }
    return true;
}

void ThreadGroup::reap_finished_locked() {
    for (std::thread::id id : finished_) {
        auto it = running_.find(id);
        if (it == running_.end())
            continue;
        it->second.join(); // it has left `work`; this only collects it
        running_.erase(it);
    }
    finished_.clear();
}

void ThreadGroup::join_all() {
    for (;;) {
        std::map<std::thread::id, std::thread> threads;
        {
            std::lock_guard lock(mutex_);
            if (running_.empty())
                return;
            threads.swap(running_);
        }
        for (auto &[id, thread] : threads)
            thread.join();
        // Their ids are free for reuse now: a stale entry must not match a new thread.
        std::lock_guard lock(mutex_);
        std::erase_if(finished_, [&](std::thread::id id) { return threads.contains(id); });
    }
}

} // namespace lkmfs::control
