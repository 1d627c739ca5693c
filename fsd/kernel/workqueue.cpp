#include "workqueue.h"

#include "exec_context.h"
#include "kernel.h"
#include "oops.h"
#include "stack_trace.h"

#include <pthread.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/workqueue.h>

// The queue itself: opaque to modules, as in Linux.
struct workqueue_struct {
    std::string name;
    unsigned int flags = 0;
    int max_active = 1;
    lkmfs::kernel::LoadedModule *owner = nullptr; // null: a system queue
    std::deque<work_struct *> items;
    std::multiset<std::uint64_t> outstanding; // seqs of items queued or running here
    std::vector<std::thread> workers;
    int idle_workers = 0;
    bool draining = false;
    bool dying = false;
    std::condition_variable has_work;
};

namespace lkmfs::kernel {

namespace {

// Worker threads a queue may grow to: its max_active, with a ceiling that keeps a module
// asking for hundreds from making hundreds of host threads.
constexpr int kMaxWorkersPerQueue = 16;

constexpr unsigned long kPending = 1UL << WORK_STRUCT_PENDING_BIT;

bool test_and_set_pending(work_struct *work) {
    return (__atomic_fetch_or(work_data_bits(work), kPending, __ATOMIC_ACQ_REL) & kPending) != 0;
}

void clear_pending(work_struct *work) {
    __atomic_fetch_and(work_data_bits(work), ~kPending, __ATOMIC_ACQ_REL);
}

std::string work_name(work_func_t fn) {
    return function_name(reinterpret_cast<std::uintptr_t>(fn));
}

thread_local work_struct *tls_current_work = nullptr;
thread_local workqueue_struct *tls_current_queue = nullptr;

} // namespace

Workqueues::Workqueues() = default;

Workqueues::~Workqueues() {
    std::unique_lock lock(mutex_);
    while (!queues_.empty())
        destroy_locked(lock, queues_.back().get());
}

workqueue_struct *Workqueues::create(std::string name, unsigned int flags, int max_active,
                                     LoadedModule *owner) {
    auto wq = std::make_unique<workqueue_struct>();
    wq->name = std::move(name);
    wq->flags = flags;
    if (max_active <= 0)
        max_active = WQ_DFL_ACTIVE;
    if (flags & __WQ_ORDERED)
        max_active = 1;
    wq->max_active = std::min(max_active, kMaxWorkersPerQueue);
    wq->owner = owner;
    std::lock_guard lock(mutex_);
    queues_.push_back(std::move(wq));
    return queues_.back().get();
}

void Workqueues::enqueue_locked(workqueue_struct *wq, work_struct *work, LoadedModule *owner) {
    WorkState &st = states_[work];
    st.queued_on = wq;
    st.queued_seq = next_seq_++;
    st.owner = owner;
    wq->items.push_back(work);
    wq->outstanding.insert(st.queued_seq);
    if (wq->idle_workers > 0) {
        wq->has_work.notify_one();
    } else if (static_cast<int>(wq->workers.size()) < wq->max_active) {
        int index = static_cast<int>(wq->workers.size());
        wq->workers.emplace_back([this, wq, index] { worker_loop(wq, index); });
    } else {
        wq->has_work.notify_one(); // all busy: the next free worker takes it
    }
}

bool Workqueues::dequeue_locked(work_struct *work) {
    auto found = states_.find(work);
    if (found == states_.end() || found->second.queued_on == nullptr)
        return false;
    workqueue_struct *wq = found->second.queued_on;
    wq->items.erase(std::find(wq->items.begin(), wq->items.end(), work));
    wq->outstanding.erase(wq->outstanding.find(found->second.queued_seq));
    found->second.queued_on = nullptr;
    work_done_.notify_all(); // flushers waiting for this seq
    return true;
}

void Workqueues::forget_if_idle_locked(work_struct *work) {
    auto found = states_.find(work);
    if (found != states_.end() && found->second.queued_on == nullptr && !found->second.running &&
        found->second.cancelling == 0 && !found->second.delayed_armed)
        states_.erase(found);
}

bool Workqueues::queue(workqueue_struct *wq, work_struct *work, LoadedModule *owner) {
    if (WARN(wq == nullptr, "queue_work() on a NULL workqueue\n"))
        return false;
    std::lock_guard lock(mutex_);
    if (test_and_set_pending(work))
        return false;
    if (wq->dying || (wq->draining && tls_current_queue != wq)) {
        clear_pending(work);
        printk(KERN_WARNING "workqueue: cannot queue %s on %s: the queue is being %s\n",
               work_name(work->func).c_str(), wq->name.c_str(),
               wq->dying ? "destroyed" : "drained");
        return false;
    }
    enqueue_locked(wq, work, owner);
    return true;
}

void Workqueues::worker_loop(workqueue_struct *wq, int index) {
    std::string name = "kworker/u:" + std::to_string(index);
    pthread_setname_np(pthread_self(), name.c_str());
    set_kernel_thread_name(name.c_str());
    std::unique_lock lock(mutex_);
    for (;;) {
        // The first item not running elsewhere: an item never runs on two workers at once.
        auto it = std::find_if(wq->items.begin(), wq->items.end(),
                               [&](work_struct *w) { return !states_[w].running; });
        if (it == wq->items.end()) {
            if (wq->dying && wq->items.empty())
                return;
            ++wq->idle_workers;
            wq->has_work.wait(lock);
            --wq->idle_workers;
            continue;
        }
        work_struct *work = *it;
        wq->items.erase(it);
        WorkState &st = states_[work];
        st.queued_on = nullptr;
        st.running = true;
        st.running_seq = st.queued_seq;
        st.running_on = wq;
        st.runner = std::this_thread::get_id();
        LoadedModule *owner = st.owner;
        work_func_t fn = work->func;
        std::uint64_t seq = st.running_seq;
        // PENDING goes before the function runs, so it may queue itself again.
        clear_pending(work);
        lock.unlock();
        tls_current_work = work;
        tls_current_queue = wq;
        {
            ModuleScope scope(owner);
            // may free `work`: only its address is used from here on
            run_contained("work item", [&] { fn(work); });
        }
        tls_current_work = nullptr;
        tls_current_queue = nullptr;
        lock.lock();
        wq->outstanding.erase(wq->outstanding.find(seq));
        if (auto found = states_.find(work); found != states_.end()) {
            found->second.running = false;
            found->second.running_on = nullptr;
            if (found->second.queued_on != nullptr)
                found->second.queued_on->has_work.notify_one(); // it waited for this run
        }
        forget_if_idle_locked(work);
        work_done_.notify_all();
    }
}

void Workqueues::flush(workqueue_struct *wq) {
    if (WARN(wq == nullptr, "flush_workqueue() of a NULL workqueue\n"))
        return;
    if (tls_current_queue == wq && (wq->flags & __WQ_ORDERED)) {
        WARN(1,
             "flush_workqueue(%s) from a work item of the same ordered queue would "
             "deadlock\n",
             wq->name.c_str());
        return;
    }
    std::unique_lock lock(mutex_);
    std::uint64_t target = next_seq_ - 1; // everything queued before the flush
    // A work item flushing its own queue waits only for the others.
    std::uint64_t own = 0;
    if (tls_current_queue == wq)
        own = states_[tls_current_work].running_seq;
    work_done_.wait(lock, [&] {
        auto end = wq->outstanding.upper_bound(target);
        auto before = std::distance(wq->outstanding.begin(), end);
        return before == 0 || (before == 1 && own != 0 && *wq->outstanding.begin() == own);
    });
}

void Workqueues::drain(workqueue_struct *wq) {
    {
        std::lock_guard lock(mutex_);
        wq->draining = true;
    }
    for (;;) {
        flush(wq);
        std::lock_guard lock(mutex_);
        if (wq->outstanding.empty()) {
            wq->draining = false;
            return;
        }
    }
}

void Workqueues::destroy_locked(std::unique_lock<std::mutex> &lock, workqueue_struct *wq) {
    wq->dying = true;
    wq->has_work.notify_all();
    std::vector<std::thread> workers = std::move(wq->workers);
    lock.unlock();
    for (auto &t : workers)
        t.join();
    lock.lock();
    std::erase_if(queues_, [&](const auto &q) { return q.get() == wq; });
}

void Workqueues::destroy(workqueue_struct *wq) {
    if (wq == nullptr)
        return;
    drain(wq);
    std::unique_lock lock(mutex_);
    destroy_locked(lock, wq);
}

bool Workqueues::queue_delayed(workqueue_struct *wq, delayed_work *dwork, unsigned long delay,
                               LoadedModule *owner, bool modify) {
    if (WARN(wq == nullptr, "queue_delayed_work() on a NULL workqueue\n"))
        return false;
    WARN_ONCE(dwork->timer.function != delayed_work_timer_fn,
              "delayed work %p was not set up with INIT_DELAYED_WORK()\n",
              static_cast<void *>(dwork));
    std::lock_guard lock(mutex_);
    bool was_pending = false;
    if (modify) {
        // Take the item back from wherever it waits: its timer or its queue.
        was_pending = timer_delete(&dwork->timer) != 0;
        if (was_pending)
            states_[&dwork->work].delayed_armed = false;
        was_pending = was_pending || dequeue_locked(&dwork->work);
        if (was_pending)
            clear_pending(&dwork->work);
    }
    if (test_and_set_pending(&dwork->work))
        return false; // pending, and not ours to move (or a canceller holds it)
    WorkState &st = states_[&dwork->work];
    st.owner = owner;
    dwork->wq = wq;
    if (delay == 0) {
        enqueue_locked(wq, &dwork->work, owner);
    } else {
        st.delayed_armed = true;
        ModuleScope scope(owner); // the timer is the module's, for its unload
        mod_timer(&dwork->timer, static_cast<unsigned long>(get_jiffies_64()) + delay);
    }
    return modify ? was_pending : true;
}

void Workqueues::delayed_timer_fired(delayed_work *dwork) {
    std::lock_guard lock(mutex_);
    auto found = states_.find(&dwork->work);
    if (found == states_.end() || !found->second.delayed_armed || timer_pending(&dwork->timer))
        return; // taken back meanwhile (mod_delayed_work, flush_delayed_work)
    found->second.delayed_armed = false;
    if (found->second.cancelling != 0) {
        // A canceller waits for this very callback: the item is not queued, and PENDING,
        // which the canceller did not get, goes.
        clear_pending(&dwork->work);
        return;
    }
    enqueue_locked(dwork->wq, &dwork->work, found->second.owner);
}

bool Workqueues::flush_work(work_struct *work) {
    std::unique_lock lock(mutex_);
    auto found = states_.find(work);
    if (found == states_.end())
        return false;
    if (found->second.running && found->second.runner == std::this_thread::get_id() &&
        found->second.queued_on == nullptr) {
        lock.unlock();
        WARN(1, "flush_work() of %s from the work itself would deadlock\n",
             work_name(work->func).c_str());
        return false;
    }
    if (found->second.queued_on == nullptr && !found->second.running)
        return false;
    std::uint64_t target =
        found->second.queued_on != nullptr ? found->second.queued_seq : found->second.running_seq;
    work_done_.wait(lock, [&] {
        auto it = states_.find(work);
        if (it == states_.end())
            return true;
        const WorkState &st = it->second;
        bool queued_before = st.queued_on != nullptr && st.queued_seq <= target;
        bool running_before =
            st.running && st.running_seq <= target && st.runner != std::this_thread::get_id();
        return !queued_before && !running_before;
    });
    return true;
}

bool Workqueues::cancel(work_struct *work, bool sync) {
    std::unique_lock lock(mutex_);
    bool was_pending = dequeue_locked(work);
    if (!sync) {
        if (was_pending)
            clear_pending(work);
        forget_if_idle_locked(work);
        return was_pending;
    }
    // Hold PENDING while waiting: queue_work() from the running instance (or anyone) fails.
    bool held = !test_and_set_pending(work) || was_pending;
    WorkState &st = states_[work];
    ++st.cancelling;
    if (st.running && st.runner == std::this_thread::get_id()) {
        lock.unlock();
        WARN(1, "cancel_work_sync() of %s from the work itself would deadlock\n",
             work_name(work->func).c_str());
        lock.lock();
    } else {
        work_done_.wait(lock, [&] { return !states_[work].running; });
    }
    --states_[work].cancelling;
    if (held)
        clear_pending(work);
    forget_if_idle_locked(work);
    return was_pending;
}

bool Workqueues::cancel_delayed(delayed_work *dwork, bool sync) {
    std::unique_lock lock(mutex_);
    WorkState &st = states_[&dwork->work];
    ++st.cancelling; // the timer callback, if it fires now, will not queue the item
    lock.unlock();
    bool was_pending = (sync ? timer_delete_sync(&dwork->timer) : timer_delete(&dwork->timer)) != 0;
    lock.lock();
    --states_[&dwork->work].cancelling;
    if (was_pending) {
        states_[&dwork->work].delayed_armed = false;
        clear_pending(&dwork->work);
    }
    forget_if_idle_locked(&dwork->work);
    lock.unlock();
    return cancel(&dwork->work, sync) || was_pending;
}

bool Workqueues::flush_delayed(delayed_work *dwork) {
    {
        std::lock_guard lock(mutex_);
        if (timer_delete(&dwork->timer) != 0) {
            WorkState &st = states_[&dwork->work];
            st.delayed_armed = false;
            enqueue_locked(dwork->wq, &dwork->work, st.owner);
        }
    }
    return flush_work(&dwork->work);
}

work_struct *Workqueues::current_work() const {
    return tls_current_work;
}

Workqueues::Leftovers Workqueues::remove_owned_by(const LoadedModule *module) {
    Leftovers left;
    std::vector<work_struct *> queued;
    std::vector<work_struct *> delayed;
    std::vector<workqueue_struct *> queues;
    {
        std::lock_guard lock(mutex_);
        for (auto &[work, st] : states_) {
            if (st.owner != module)
                continue;
            if (st.delayed_armed)
                delayed.push_back(work);
            else if (st.queued_on != nullptr)
                queued.push_back(work);
        }
        for (auto &q : queues_)
            if (q->owner == module)
                queues.push_back(q.get());
    }
    for (work_struct *work : delayed) {
        left.work.push_back(work_name(work->func) + " (delayed)");
        cancel_delayed(to_delayed_work(work), true);
    }
    for (work_struct *work : queued) {
        left.work.push_back(work_name(work->func));
        cancel(work, true);
    }
    // Items of the module that run now (on any queue) finish before its code goes.
    {
        std::unique_lock lock(mutex_);
        work_done_.wait(lock, [&] {
            return std::none_of(states_.begin(), states_.end(), [&](const auto &kv) {
                return kv.second.owner == module && kv.second.running &&
                       kv.second.runner != std::this_thread::get_id();
            });
        });
    }
    for (workqueue_struct *wq : queues) {
        left.queues.push_back(wq->name);
        destroy(wq);
    }
    {
        // Nothing of the module's stays on record: its memory is about to go.
        std::lock_guard lock(mutex_);
        std::erase_if(states_, [&](const auto &kv) { return kv.second.owner == module; });
    }
    return left;
}

} // namespace lkmfs::kernel

// ---- C API: <linux/workqueue.h> --------------------------------------------------------

using lkmfs::kernel::exec_context;
using lkmfs::kernel::Kernel;
using lkmfs::kernel::Workqueues;

namespace {

Workqueues &workqueues() {
    return Kernel::get().workqueues();
}

} // namespace

extern "C" {
struct workqueue_struct *system_wq = nullptr;
struct workqueue_struct *system_highpri_wq = nullptr;
struct workqueue_struct *system_long_wq = nullptr;
struct workqueue_struct *system_unbound_wq = nullptr;
struct workqueue_struct *system_freezable_wq = nullptr;
struct workqueue_struct *system_power_efficient_wq = nullptr;
struct workqueue_struct *system_freezable_power_efficient_wq = nullptr;
}

extern "C" void delayed_work_timer_fn(struct timer_list *t) {
    workqueues().delayed_timer_fired(
        from_timer(static_cast<struct delayed_work *>(nullptr), t, timer));
}

extern "C" struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
                                                    int max_active, ...) {
    char name[64];
    va_list args;
    va_start(args, max_active);
    std::vsnprintf(name, sizeof name, fmt, args);
    va_end(args);
    if (max_active < 0 || max_active > WQ_MAX_ACTIVE) {
        printk(KERN_WARNING "workqueue: max_active %d requested for %s is out of range, "
                            "clamping between %d and %d\n",
               max_active, name, 1, WQ_MAX_ACTIVE);
        max_active = std::clamp(max_active, 1, static_cast<int>(WQ_MAX_ACTIVE));
    }
    return workqueues().create(name, flags, max_active, exec_context().module);
}

extern "C" void destroy_workqueue(struct workqueue_struct *wq) {
    workqueues().destroy(wq);
}

extern "C" void __flush_workqueue(struct workqueue_struct *wq) {
    workqueues().flush(wq);
}

extern "C" void drain_workqueue(struct workqueue_struct *wq) {
    workqueues().drain(wq);
}

extern "C" void workqueue_set_max_active(struct workqueue_struct *, int) {
    // Accepted; the worker count a queue grows to is fixed when it is made.
}

extern "C" bool queue_work_on(int, struct workqueue_struct *wq, struct work_struct *work) {
    return workqueues().queue(wq, work, exec_context().module);
}

extern "C" bool queue_delayed_work_on(int, struct workqueue_struct *wq, struct delayed_work *dwork,
                                      unsigned long delay) {
    return workqueues().queue_delayed(wq, dwork, delay, exec_context().module, false);
}

extern "C" bool mod_delayed_work_on(int, struct workqueue_struct *wq, struct delayed_work *dwork,
                                    unsigned long delay) {
    return workqueues().queue_delayed(wq, dwork, delay, exec_context().module, true);
}

extern "C" bool flush_work(struct work_struct *work) {
    return workqueues().flush_work(work);
}

extern "C" bool cancel_work(struct work_struct *work) {
    return workqueues().cancel(work, false);
}

extern "C" bool cancel_work_sync(struct work_struct *work) {
    return workqueues().cancel(work, true);
}

extern "C" bool flush_delayed_work(struct delayed_work *dwork) {
    return workqueues().flush_delayed(dwork);
}

extern "C" bool cancel_delayed_work(struct delayed_work *dwork) {
    return workqueues().cancel_delayed(dwork, false);
}

extern "C" bool cancel_delayed_work_sync(struct delayed_work *dwork) {
    return workqueues().cancel_delayed(dwork, true);
}

extern "C" bool flush_rcu_work(struct work_struct *work) {
    return workqueues().flush_work(work);
}

extern "C" struct work_struct *current_work(void) {
    return workqueues().current_work();
}
