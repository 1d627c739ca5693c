// What the simulated kernel knows about the code running on this thread: the task it runs
// for (`current`), the module whose code runs (for accounting and ownership), and the user
// buffer of the request being served (for copy_to_user & co.). Each is set by an RAII
// scope around every call into module code.
#pragma once

#include "caller.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

#include <linux/sched.h>

namespace lkmfs::kernel {

class LoadedModule;

// The request's user memory: the only range user copies may touch. Module code knows it
// by its user address (a slot of the reserved window, user_window.h); daemon-internal
// callers that set a window with UserWindowScope use the buffer's own address.
struct UserWindow {
    unsigned char *base = nullptr;
    std::size_t size = 0;
    bool writable = false;      // false for a write(2)'s data: handlers may only read it
    std::uintptr_t address = 0; // the user address of base; 0: base itself

    std::uintptr_t user_start() const {
        return address != 0 ? address : reinterpret_cast<std::uintptr_t>(base);
    }
    // Whether the user range [p, p + n) lies inside the window.
    bool contains(const void *p, std::size_t n) const;
    // How many of the n bytes from user address p lie inside the window (0 if p is
    // outside it), and where the first of them is in the daemon's memory.
    std::size_t reachable(const void *p, std::size_t n, unsigned char **kernel) const;
};

// How a task is doing, as ps shows it: what a removal waiting for calls reports, since
// only an interruptible sleep ends when the call is interrupted.
enum class TaskState : char {
    Running = 'R',         // running, or waiting outside a sleeping primitive
    Interruptible = 'S',   // asleep; a signal ends the sleep
    Uninterruptible = 'D', // asleep; only the awaited event (or a timeout) ends it
};

// Delivery of a signal (a FUSE interrupt, a forced unload, or shutdown) to a task asleep
// in the kernel.
class TaskSignal {
  public:
    bool pending() const { return pending_.load(std::memory_order_acquire); }
    void raise();
    // While asleep, a task names how to wake it; raise() calls it.
    void set_waker(std::function<void()> waker);
    void clear_waker();
    // Kept by the sleeping primitives; read by other threads for reports.
    void set_state(TaskState state) { state_.store(state, std::memory_order_relaxed); }
    TaskState state() const { return state_.load(std::memory_order_relaxed); }

  private:
    std::atomic<bool> pending_{false};
    std::atomic<TaskState> state_{TaskState::Running};
    std::mutex mutex_;
    std::function<void()> waker_;
};

struct ExecContext {
    task_struct task{};
    cred task_cred{};
    bool has_task = false;
    TaskSignal *signal = nullptr;
    LoadedModule *module = nullptr;
    UserWindow user;
    // A kernel thread (kthread_create) runs as its own task, outside any request.
    task_struct *kthread_task = nullptr;
};

ExecContext &exec_context();

// The comm of this daemon thread's kernel task ("ksoftirqd/0", "kworker/u:1"): what
// `current->comm` shows to code that runs on it outside a request.
void set_kernel_thread_name(const char *name);

// `current` is `caller` for the scope's lifetime.
class TaskScope {
  public:
    TaskScope(const Caller &caller, TaskSignal *signal = nullptr);
    ~TaskScope();
    TaskScope(const TaskScope &) = delete;
    TaskScope &operator=(const TaskScope &) = delete;

  private:
    ExecContext saved_;
};

// Code of `module` (null: the core kernel) runs within the scope.
class ModuleScope {
  public:
    explicit ModuleScope(LoadedModule *module);
    ~ModuleScope();
    ModuleScope(const ModuleScope &) = delete;
    ModuleScope &operator=(const ModuleScope &) = delete;

  private:
    LoadedModule *saved_;
};

// User copies may reach [base, base+size) within the scope.
class UserWindowScope {
  public:
    UserWindowScope(void *base, std::size_t size, bool writable);
    ~UserWindowScope();
    UserWindowScope(const UserWindowScope &) = delete;
    UserWindowScope &operator=(const UserWindowScope &) = delete;

  private:
    UserWindow saved_;
};

} // namespace lkmfs::kernel
