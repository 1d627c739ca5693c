#include "oops.h"

#include "atomic_context.h"
#include "cxx_exceptions.h"
#include "exec_context.h"
#include "kernel.h"
#include "oops_report.h"
#include "taint.h"
#include "watchdog.h"

#include <execinfo.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <array>
#include <cxxabi.h>
#include <cstring>
#include <mutex>

#include <linux/printk.h>

namespace lkmfs::kernel {

namespace {

struct Boundary {
    sigjmp_buf env;
    Boundary *outer;
    const char *what;
};

thread_local Boundary *t_boundary = nullptr;
// What the fault handler saw; read after the jump back to the boundary.
thread_local FaultRecord t_fault;

// SIGABRT: abort(), which is also where std::terminate() ends (an exception thrown through a
// noexcept function, or one that no frame can catch).
constexpr int kFaultSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction g_previous[sizeof kFaultSignals / sizeof kFaultSignals[0]];

// The alternate signal stack of this thread: a stack overflow leaves no room on the
// thread's own stack for the handler.
class AltStack {
  public:
    AltStack() {
        constexpr std::size_t size = 64 * 1024;
        void *mem =
            ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED)
            return;
        stack_t ss{};
        ss.ss_sp = mem;
        ss.ss_size = size;
        if (::sigaltstack(&ss, nullptr) == 0) {
            mem_ = mem;
            size_ = size;
        } else {
            ::munmap(mem, size);
        }
    }
    ~AltStack() {
        if (mem_ == nullptr)
            return;
        stack_t ss{};
        ss.ss_flags = SS_DISABLE;
        ::sigaltstack(&ss, nullptr);
        ::munmap(mem_, size_);
    }
    AltStack(const AltStack &) = delete;
    AltStack &operator=(const AltStack &) = delete;

  private:
    void *mem_ = nullptr;
    std::size_t size_ = 0;
};

void ensure_alt_stack() {
    thread_local AltStack stack;
    (void)stack;
}

int signal_index(int sig) {
    for (std::size_t i = 0; i < std::size(kFaultSignals); ++i)
        if (kFaultSignals[i] == sig)
            return static_cast<int>(i);
    return -1;
}

// Not module code: hand the fault to whoever handled it before us, or die of it.
void pass_on(int sig, siginfo_t *info, void *uctx) {
    int i = signal_index(sig);
    const struct sigaction &prev = g_previous[i];
    if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction != nullptr) {
        prev.sa_sigaction(sig, info, uctx);
        return;
    }
    if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler != nullptr) {
        prev.sa_handler(sig);
        return;
    }
    // Returning re-runs the faulting instruction, which now gets the default action.
    ::signal(sig, SIG_DFL);
}

void on_fault(int sig, siginfo_t *info, void *uctx) {
    Boundary *b = t_boundary;
    if (b == nullptr)
        return pass_on(sig, info, uctx);
    FaultRecord &f = t_fault;
    f.signal = sig;
    f.code = info->si_code;
    f.address = reinterpret_cast<std::uintptr_t>(info->si_addr);
    const auto *uc = static_cast<const ucontext_t *>(uctx);
    f.ip = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
    f.error_code = static_cast<unsigned long>(uc->uc_mcontext.gregs[REG_ERR]);
    // The call chain is still on the thread's stack: take it now. backtrace() was warmed
    // up at install, so it does not allocate here.
    f.frame_count =
        ::backtrace(reinterpret_cast<void **>(f.frames.data()), static_cast<int>(f.frames.size()));
    f.from_bug = false;
    siglongjmp(b->env, 1);
}

// What a call leaves behind that the jump would not undo.
struct ThreadState {
    ExecContext exec;
    int preempt_count;
    bool irqs_disabled;
    std::size_t held_locks;
    std::exception_ptr handling; // the exception being handled at the boundary, if any
};

ThreadState save_thread_state() {
    AtomicContext &ac = atomic_context();
    return ThreadState{exec_context(), ac.preempt_count, ac.irqs_disabled, ac.held.size(),
                       std::current_exception()};
}

// Back to the state at the boundary, with Linux's do_exit() notes for what the dead call
// left: it died with preemption or interrupts disabled, or holding locks.
void restore_thread_state(const ThreadState &saved) {
    AtomicContext &ac = atomic_context();
    const char *comm = get_current()->comm;
    long pid = get_current()->pid;
    if (ac.preempt_count != saved.preempt_count)
        printk(KERN_ERR "note: %s[%ld] exited with preempt_count %d\n", comm, pid,
               ac.preempt_count - saved.preempt_count);
    if (ac.irqs_disabled && !saved.irqs_disabled)
        printk(KERN_ERR "note: %s[%ld] exited with irqs disabled\n", comm, pid);
    if (ac.held.size() > saved.held_locks)
        printk(KERN_ERR "note: %s[%ld] exited holding %zu lock(s); they stay locked\n", comm, pid,
               ac.held.size() - saved.held_locks);
    ac.preempt_count = saved.preempt_count;
    ac.irqs_disabled = saved.irqs_disabled;
    ac.held.resize(std::min(ac.held.size(), saved.held_locks));
    exec_context() = saved.exec;
}

} // namespace

void install_oops_handlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        void *warm[4];
        ::backtrace(warm, 4); // loads the unwinder now, not inside a signal handler
        for (std::size_t i = 0; i < std::size(kFaultSignals); ++i) {
            struct sigaction sa {};
            sa.sa_sigaction = on_fault;
            sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
            sigemptyset(&sa.sa_mask);
            ::sigaction(kFaultSignals[i], &sa, &g_previous[i]);
        }
    });
}

bool in_oops_boundary() {
    return t_boundary != nullptr;
}

bool run_contained_call(const char *what, void (*thunk)(void *), void *ctx) {
    ensure_alt_stack();
    // Saved before the jump target: after a jump, only what is in `b` and `saved` counts.
    ThreadState saved = save_thread_state();
    Boundary b;
    b.outer = t_boundary;
    b.what = what;
    // The soft-lockup watchdog times the thread from here (once for nested calls).
    watchdog_call_begin();
    if (sigsetjmp(b.env, 1) == 0) {
        t_boundary = &b;
        try {
            thunk(ctx);
            t_boundary = b.outer;
            watchdog_call_end();
            return true;
        } catch (const abi::__forced_unwind &) {
            t_boundary = b.outer; // thread cancellation must run its course
            watchdog_call_end();
            throw;
        } catch (...) {
            // A C++ exception no module frame caught: an oops of its own kind.
            EscapedException escaped = describe_current_exception();
            t_boundary = b.outer;
            report_exception(escaped, what);
        }
        watchdog_call_end();
        add_taint(kTaintDie);
        restore_thread_state(saved);
        return false;
    }
    // An oops ended the call. Everything below is ordinary code again.
    t_boundary = b.outer;
    watchdog_call_end();
    end_abandoned_catches(saved.handling);
    if (!t_fault.from_bug)
        report_fault(t_fault, what);
    add_taint(kTaintDie);
    restore_thread_state(saved);
    return false;
}

void oops_unwind() {
    t_fault.from_bug = true;
    siglongjmp(t_boundary->env, 1);
}

} // namespace lkmfs::kernel
