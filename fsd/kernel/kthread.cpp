#include "kthread.h"

#include "exec_context.h"
#include "kernel.h"
#include "oops.h"
#include "sleep.h"
#include "stack_trace.h"

#include <pthread.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <future>

#include <linux/bug.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/kthread.h>
#include <linux/wait.h>

namespace lkmfs::kernel {

struct KThreads::Thread {
    task_struct task{};
    cred task_cred{};
    int (*fn)(void *) = nullptr;
    void *data = nullptr;
    LoadedModule *owner = nullptr;
    std::atomic<bool> stop_requested{false};
    std::mutex mutex;
    std::condition_variable exited_cv;
    bool exited = false;
    int result = 0;
    std::thread thread;

    void run(std::promise<pid_t> started);
};

namespace {

thread_local KThreads::Thread *tls_kthread = nullptr;

} // namespace

void KThreads::Thread::run(std::promise<pid_t> started) {
    tls_kthread = this;
    exec_context().kthread_task = &task;
    pthread_setname_np(pthread_self(), task.comm);
    started.set_value(static_cast<pid_t>(::gettid()));
    // Asleep (TASK_UNINTERRUPTIBLE, set by create()) until wake_up_process().
    for (;;) {
        unsigned int state = __atomic_load_n(&task.__state, __ATOMIC_SEQ_CST);
        if (state == TASK_RUNNING)
            break;
        futex_sleep(&task.__state, state, SleepMode::Uninterruptible, std::nullopt);
    }
    int ret = -EINTR; // stopped before it ever ran: the function is not called
    if (!stop_requested.load()) {
        ModuleScope scope(owner);
        // An oops ends the thread, as it ends the task in Linux; kthread_stop() then
        // gets -EFAULT instead of a return value that never came.
        if (!run_contained("kthread", [&] { ret = fn(data); }))
            ret = -EFAULT;
    }
    exec_context().kthread_task = nullptr;
    tls_kthread = nullptr;
    std::lock_guard lock(mutex);
    result = ret;
    exited = true;
    exited_cv.notify_all();
}

KThreads::KThreads() = default;

// A thread that never returns runs on until the process ends, using its Thread (the task it
// runs as, its wait state): that is detached and deliberately never freed, not destroyed
// under it.
KThreads::~KThreads() {
    for (auto &t : stuck_) {
        t->thread.detach(); // never returned; the process exit ends it
        (void)t.release();
    }
    for (auto &[task, t] : threads_) {
        t->stop_requested = true;
        wake_up_process(task);
        std::unique_lock lock(t->mutex);
        // t captured by name: clang before 16 cannot capture a structured binding.
        if (t->exited_cv.wait_for(lock, std::chrono::seconds(1), [&t = t] { return t->exited; })) {
            lock.unlock();
            t->thread.join();
        } else {
            lock.unlock();
            t->thread.detach(); // it never returns; the process exit ends it
            (void)t.release();
        }
    }
}

task_struct *KThreads::create(int (*fn)(void *), void *data, std::string name,
                              LoadedModule *owner) {
    auto t = std::make_unique<Thread>();
    t->fn = fn;
    t->data = data;
    t->owner = owner;
    std::strncpy(t->task.comm, name.c_str(), sizeof t->task.comm - 1);
    t->task.tgid = ::getpid();
    t->task.cred = t->task.real_cred = &t->task_cred; // root, as kernel threads are
    t->task.__state = TASK_UNINTERRUPTIBLE;
    std::promise<pid_t> started;
    auto pid = started.get_future();
    try {
        t->thread = std::thread([raw = t.get(), started = std::move(started)]() mutable {
            raw->run(std::move(started));
        });
    } catch (const std::system_error &) {
        return static_cast<task_struct *>(ERR_PTR(-EAGAIN));
    }
    t->task.pid = pid.get();
    task_struct *task = &t->task;
    std::lock_guard lock(mutex_);
    threads_.emplace(task, std::move(t));
    return task;
}

std::unique_ptr<KThreads::Thread> KThreads::take(task_struct *task) {
    std::lock_guard lock(mutex_);
    auto found = threads_.find(task);
    if (found == threads_.end())
        return nullptr;
    auto t = std::move(found->second);
    threads_.erase(found);
    return t;
}

int KThreads::stop(task_struct *task) {
    if (WARN(tls_kthread != nullptr && &tls_kthread->task == task,
             "kthread_stop() of the calling thread itself would deadlock\n"))
        return -EDEADLK;
    std::unique_ptr<Thread> t = take(task);
    if (WARN(t == nullptr, "kthread_stop() of %p, which is not a running kthread\n",
             static_cast<void *>(task)))
        return -EINVAL;
    t->stop_requested = true;
    wake_up_process(task);
    t->thread.join();
    return t->result;
}

bool KThreads::should_stop() {
    return tls_kthread != nullptr && tls_kthread->stop_requested.load();
}

void *KThreads::data_of(task_struct *task) {
    if (tls_kthread != nullptr && &tls_kthread->task == task)
        return tls_kthread->data;
    std::lock_guard lock(mutex_);
    auto found = threads_.find(task);
    return found != threads_.end() ? found->second->data : nullptr;
}

KThreads::Leftovers KThreads::remove_owned_by(const LoadedModule *module,
                                              std::chrono::milliseconds grace) {
    std::vector<std::unique_ptr<Thread>> mine;
    {
        std::lock_guard lock(mutex_);
        for (auto it = threads_.begin(); it != threads_.end();) {
            if (it->second->owner == module) {
                mine.push_back(std::move(it->second));
                it = threads_.erase(it);
            } else {
                ++it;
            }
        }
    }
    Leftovers left;
    auto deadline = std::chrono::steady_clock::now() + grace;
    for (auto &t : mine) {
        std::unique_lock lock(t->mutex);
        if (t->exited) { // returned on its own: nothing left to stop
            lock.unlock();
            t->thread.join();
            continue;
        }
        lock.unlock();
        t->stop_requested = true;
        wake_up_process(&t->task);
        lock.lock();
        std::string name = t->task.comm;
        if (t->exited_cv.wait_until(lock, deadline, [&] { return t->exited; })) {
            lock.unlock();
            t->thread.join();
            left.stopped.push_back(name);
        } else {
            lock.unlock();
            left.stuck.push_back(name);
            // Still inside the module's code: the thread and its record live on.
            std::lock_guard registry(mutex_);
            stuck_.push_back(std::move(t));
        }
    }
    return left;
}

} // namespace lkmfs::kernel

// ---- C API: <linux/kthread.h> ----------------------------------------------------------

using lkmfs::kernel::exec_context;
using lkmfs::kernel::Kernel;
using lkmfs::kernel::KThreads;

extern "C" struct task_struct *kthread_create_on_node(int (*threadfn)(void *data), void *data, int,
                                                      const char namefmt[], ...) {
    char name[TASK_COMM_LEN * 4];
    va_list args;
    va_start(args, namefmt);
    std::vsnprintf(name, sizeof name, namefmt, args);
    va_end(args);
    return Kernel::get().kthreads().create(threadfn, data, name, exec_context().module);
}

extern "C" bool kthread_should_stop(void) {
    return KThreads::should_stop();
}

extern "C" bool kthread_should_park(void) {
    return false;
}

extern "C" int kthread_stop(struct task_struct *k) {
    return Kernel::get().kthreads().stop(k);
}

extern "C" void kthread_bind(struct task_struct *, unsigned int) {
    // One simulated CPU: every thread is bound to it already.
}

extern "C" void *kthread_data(struct task_struct *k) {
    return Kernel::get().kthreads().data_of(k);
}

extern "C" bool kthread_freezable_should_stop(bool *was_frozen) {
    if (was_frozen != nullptr)
        *was_frozen = false;
    return KThreads::should_stop();
}
