#include "softirq.h"

#include "atomic_context.h"
#include "exec_context.h"
#include "jiffies.h"
#include "oops.h"
#include "stack_trace.h"
#include "timer_base.h"

#include <boost/asio/post.hpp>

#include <pthread.h>

#include <linux/interrupt.h>

namespace lkmfs::kernel {

Softirq::Softirq(TimerBase &timers) : timers_(timers), tick_(io_) {
    next_tick_ = update_jiffies() + 1;
    arm_tick();
    thread_ = std::thread([this] {
        thread_id_.store(std::this_thread::get_id());
        pthread_setname_np(pthread_self(), "ksoftirqd/0");
        set_kernel_thread_name("ksoftirqd/0");
        io_.run();
    });
}

Softirq::~Softirq() {
    io_.stop();
    if (thread_.joinable())
        thread_.join();
}

void Softirq::arm_tick() {
    tick_.expires_at(tick_start(next_tick_));
    tick_.async_wait([this](const boost::system::error_code &ec) {
        if (!ec)
            on_tick();
    });
}

void Softirq::on_tick() {
    unsigned long now = update_jiffies();
    timers_.run_expired(now);
    {
        // A disabled tasklet stays scheduled; it is retried at the next tick.
        std::lock_guard lock(mutex_);
        if (!tasklets_.empty() && !run_posted_) {
            run_posted_ = true;
            boost::asio::post(io_, [this] { run_tasklets(); });
        }
    }
    // The next tick boundary after now: ticks missed while the host was busy are not
    // replayed one by one (jiffies jumps, as after a long stall in Linux).
    next_tick_ = now + 1;
    arm_tick();
}

void Softirq::schedule_tasklet(tasklet_struct *t, LoadedModule *owner, bool hi) {
    std::lock_guard lock(mutex_);
    if (hi)
        tasklets_.push_front({t, owner});
    else
        tasklets_.push_back({t, owner});
    if (!run_posted_) {
        run_posted_ = true;
        boost::asio::post(io_, [this] { run_tasklets(); });
    }
}

void Softirq::run_tasklets() {
    std::unique_lock lock(mutex_);
    run_posted_ = false;
    std::deque<Scheduled> batch;
    batch.swap(tasklets_);
    while (!batch.empty()) {
        Scheduled s = batch.front();
        batch.pop_front();
        tasklet_struct *t = s.tasklet;
        if (__atomic_load_n(&t->count.counter, __ATOMIC_ACQUIRE) != 0) {
            tasklets_.push_back(s); // disabled: keep it scheduled
            continue;
        }
        // As tasklet_action(): take RUN, drop SCHED (so the callback may re-schedule it),
        // run, release RUN.
        __atomic_fetch_or(&t->state, 1UL << TASKLET_STATE_RUN, __ATOMIC_ACQ_REL);
        __atomic_fetch_and(&t->state, ~(1UL << TASKLET_STATE_SCHED), __ATOMIC_ACQ_REL);
        running_tasklet_ = t;
        lock.unlock();
        {
            SoftirqScope softirq;
            ModuleScope scope(s.owner);
            run_contained("tasklet", [&] {
                if (t->use_callback)
                    t->callback(t);
                else
                    t->func(t->data);
            });
        }
        lock.lock();
        __atomic_fetch_and(&t->state, ~(1UL << TASKLET_STATE_RUN), __ATOMIC_ACQ_REL);
        running_tasklet_ = nullptr;
        tasklet_done_.notify_all();
    }
}

void Softirq::kill_tasklet(tasklet_struct *t) {
    std::unique_lock lock(mutex_);
    // Scheduled ones run once more (tasklet_kill() waits for them in Linux too).
    tasklet_done_.wait(lock, [&] {
        return (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) &
                ((1UL << TASKLET_STATE_SCHED) | (1UL << TASKLET_STATE_RUN))) == 0;
    });
}

void Softirq::wait_tasklet_idle(tasklet_struct *t) {
    std::unique_lock lock(mutex_);
    if (on_softirq_thread())
        return;
    tasklet_done_.wait(lock, [&] { return running_tasklet_ != t; });
}

std::vector<std::string> Softirq::remove_owned_by(const LoadedModule *module) {
    std::unique_lock lock(mutex_);
    std::vector<std::string> names;
    std::erase_if(tasklets_, [&](const Scheduled &s) {
        if (s.owner != module)
            return false;
        tasklet_struct *t = s.tasklet;
        names.push_back(function_name(
            reinterpret_cast<std::uintptr_t>(t->use_callback ? reinterpret_cast<void *>(t->callback)
                                                             : reinterpret_cast<void *>(t->func))));
        __atomic_fetch_and(&t->state, ~(1UL << TASKLET_STATE_SCHED), __ATOMIC_ACQ_REL);
        return true;
    });
    tasklet_done_.wait(lock, [&] { return running_tasklet_ == nullptr || on_softirq_thread(); });
    return names;
}

} // namespace lkmfs::kernel
