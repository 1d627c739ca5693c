#include "timer_base.h"

#include "atomic_context.h"
#include "exec_context.h"
#include "kernel.h"
#include "oops.h"
#include "stack_trace.h"

#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/timer.h>

namespace lkmfs::kernel {

namespace {

void mark_pending(timer_list *timer, bool pending) {
    // Any non-null pprev means "hashed" to timer_pending(); point it at the node itself.
    hlist_node **link = pending ? &timer->entry.next : nullptr;
    timer->entry.next = nullptr;
    __atomic_store_n(&timer->entry.pprev, link, __ATOMIC_RELEASE);
}

} // namespace

void TimerBase::unlink(Queue::iterator it) {
    mark_pending(it->second.timer, false);
    index_.erase(it->second.timer);
    queue_.erase(it);
}

int TimerBase::arm(timer_list *timer, unsigned long expires, LoadedModule *owner, Arm how) {
    std::lock_guard lock(mutex_);
    auto found = index_.find(timer);
    bool pending = found != index_.end();
    if (!pending && how == Arm::OnlyIfPending)
        return 0;
    if (pending) {
        if (how == Arm::OnlyIfEarlier && !time_before(expires, found->second->first))
            return 1;
        if (found->second->first == expires && found->second->second.owner == owner) {
            timer->expires = expires;
            return 1;
        }
        unlink(found->second);
    }
    timer->expires = expires;
    auto it = queue_.emplace(expires, Entry{timer, owner});
    index_[timer] = it;
    mark_pending(timer, true);
    return pending ? 1 : 0;
}

int TimerBase::remove(timer_list *timer) {
    std::lock_guard lock(mutex_);
    auto found = index_.find(timer);
    if (found == index_.end())
        return 0;
    unlink(found->second);
    return 1;
}

int TimerBase::remove_sync(timer_list *timer, bool try_only) {
    std::unique_lock lock(mutex_);
    for (;;) {
        int ret = 0;
        if (auto found = index_.find(timer); found != index_.end()) {
            unlink(found->second);
            ret = 1;
        }
        if (running_ != timer)
            return ret;
        if (try_only)
            return -1;
        if (std::this_thread::get_id() == softirq_thread_) {
            // Linux would spin forever here, waiting for the callback that is itself.
            lock.unlock();
            WARN(1, "del_timer_sync() of a timer from its own callback would deadlock\n");
            return ret;
        }
        callback_done_.wait(lock, [&] { return running_ != timer; });
        // The callback may have re-armed the timer meanwhile: delete again.
    }
}

void TimerBase::run_expired(unsigned long now) {
    std::unique_lock lock(mutex_);
    softirq_thread_ = std::this_thread::get_id();
    while (!queue_.empty() && time_after_eq(now, queue_.begin()->first)) {
        auto it = queue_.begin();
        timer_list *timer = it->second.timer;
        LoadedModule *owner = it->second.owner;
        unlink(it);
        void (*fn)(timer_list *) = timer->function;
        running_ = timer;
        lock.unlock();
        if (fn != nullptr) {
            SoftirqScope softirq;
            ModuleScope scope(owner);
            run_contained("timer callback", [&] { fn(timer); });
        } else {
            printk(KERN_WARNING "timer %p expired with no function (never set up, or shut "
                                "down); ignored\n",
                   static_cast<void *>(timer));
        }
        lock.lock();
        running_ = nullptr;
        callback_done_.notify_all();
    }
}

std::vector<std::string> TimerBase::remove_owned_by(const LoadedModule *module) {
    std::unique_lock lock(mutex_);
    std::vector<std::string> names;
    for (auto it = queue_.begin(); it != queue_.end();) {
        auto next = std::next(it);
        if (it->second.owner == module) {
            names.push_back(
                function_name(reinterpret_cast<std::uintptr_t>(it->second.timer->function)));
            unlink(it);
        }
        it = next;
    }
    // A callback of the module that runs now finishes before the module's code goes.
    callback_done_.wait(
        lock, [&] { return running_ == nullptr || std::this_thread::get_id() == softirq_thread_; });
    return names;
}

} // namespace lkmfs::kernel

// ---- C API: <linux/timer.h> ------------------------------------------------------------

using lkmfs::kernel::exec_context;
using lkmfs::kernel::Kernel;
using lkmfs::kernel::TimerBase;

namespace {

TimerBase &timers() {
    return Kernel::get().timers();
}

// A timer_shutdown() timer: its function is gone for good and re-arming it is silently
// refused. Kept in the flags' top bits, which Linux reserves for the timer wheel.
constexpr u32 kShutDown = 0x80000000u;

// Whether mod_timer() & co. may arm `timer`: not shut down, and set up with a function
// (Linux would arm a timer without one, and oops in the softirq when it fires).
bool may_arm(const timer_list *timer) {
    if (timer->function != nullptr)
        return true;
    WARN((timer->flags & kShutDown) == 0,
         "timer %p armed without a function: timer_setup() missing?\n",
         static_cast<const void *>(timer));
    return false;
}

} // namespace

extern "C" void init_timer_key(struct timer_list *timer, void (*func)(struct timer_list *),
                               unsigned int flags, const char *, struct lock_class_key *) {
    timer->entry.next = nullptr;
    timer->entry.pprev = nullptr;
    timer->expires = 0;
    timer->function = func;
    timer->flags = flags & TIMER_INIT_FLAGS;
}

extern "C" int mod_timer(struct timer_list *timer, unsigned long expires) {
    if (!may_arm(timer))
        return 0;
    return timers().arm(timer, expires, exec_context().module, TimerBase::Arm::Always);
}

extern "C" int mod_timer_pending(struct timer_list *timer, unsigned long expires) {
    if (!may_arm(timer))
        return 0;
    return timers().arm(timer, expires, exec_context().module, TimerBase::Arm::OnlyIfPending);
}

extern "C" int timer_reduce(struct timer_list *timer, unsigned long expires) {
    if (!may_arm(timer))
        return 0;
    return timers().arm(timer, expires, exec_context().module, TimerBase::Arm::OnlyIfEarlier);
}

// Linux BUG()s on a timer that is already pending or has no function; a warning is enough
// to make the mistake visible, and the timer is left as it was.
extern "C" void add_timer(struct timer_list *timer) {
    if (WARN(timer_pending(timer), "add_timer() of a timer that is already pending\n"))
        return;
    mod_timer(timer, timer->expires);
}

extern "C" void add_timer_on(struct timer_list *timer, int) {
    add_timer(timer);
}

extern "C" int __lkmfs_timer_delete(struct timer_list *timer) {
    return timers().remove(timer);
}

extern "C" int timer_delete_sync(struct timer_list *timer) {
    return timers().remove_sync(timer);
}

extern "C" int try_to_del_timer_sync(struct timer_list *timer) {
    return timers().remove_sync(timer, true);
}

extern "C" int timer_shutdown(struct timer_list *timer) {
    int ret = timers().remove(timer);
    timer->function = nullptr;
    timer->flags |= kShutDown;
    return ret;
}

extern "C" int timer_shutdown_sync(struct timer_list *timer) {
    int ret = timers().remove_sync(timer);
    timer->function = nullptr;
    timer->flags |= kShutDown;
    return ret;
}
