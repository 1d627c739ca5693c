#include "worker_pool.h"

#include <linux/kernel.h>

namespace lkmfs::fuse {

WorkerPool::~WorkerPool() {
    stop();
}

void WorkerPool::start(unsigned cap) {
    stop();
    {
        std::lock_guard lock(mutex_);
        stopping_ = false;
        reported_ = false;
    }
    cap_.store(cap);
    watcher_ = std::thread([this] { watch(); });
}

void WorkerPool::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        changed_.notify_all();
    }
    if (watcher_.joinable())
        watcher_.join();
    cap_.store(0);
}

void WorkerPool::enter() {
    unsigned busy = busy_.fetch_add(1) + 1;
    unsigned cap = cap_.load();
    if (cap != 0 && busy == cap) {
        std::lock_guard lock(mutex_);
        changed_.notify_all();
    }
}

void WorkerPool::leave() {
    unsigned busy = busy_.fetch_sub(1) - 1;
    unsigned cap = cap_.load();
    if (cap == 0 || (busy + 1 != cap && busy != cap / 2))
        return;
    std::lock_guard lock(mutex_);
    if (busy + 1 == cap)
        ++drops_;
    if (busy == cap / 2)
        reported_ = false;
    changed_.notify_all();
}

void WorkerPool::watch() {
    unsigned cap = cap_.load();
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        changed_.wait(lock, [&] { return stopping_ || (!reported_ && busy_.load() >= cap); });
        if (stopping_)
            break;
        // Full now: report it if it stays full (no drop below the cap) for kSustained.
        std::uint64_t drops = drops_;
        if (changed_.wait_for(lock, kSustained, [&] { return stopping_ || drops_ != drops; }))
            continue;
        reported_ = true;
        printk(KERN_WARNING "lkmfs: all %u FUSE worker threads are busy in module handlers "
                            "(mount.max_threads); every other request through the mount, "
                            "Ctrl-C of a sleeping call included, waits until one returns\n",
               cap);
    }
}

} // namespace lkmfs::fuse
