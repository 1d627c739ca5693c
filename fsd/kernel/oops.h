// Containment of oopses. Linux kills the task that oopsed and keeps running; here a fault
// in module code (SIGSEGV, SIGBUS, SIGFPE, SIGILL: a NULL or wild pointer, a division by
// zero, a stack overflow), a BUG(), an abort() (SIGABRT; also std::terminate()) or a C++
// exception that no module frame caught ends the module call it happened in, after the
// kernel's report ("BUG: kernel NULL pointer dereference", "Oops: 0002 [#1]", RIP, call
// trace) and the D taint. The daemon and every other module go on.
//
// Each call into module code runs through run_contained(): a jump target on the calling
// thread. The fault handler (on an alternate stack, so a stack overflow is caught too)
// jumps back to it. Frames between the boundary and the fault are abandoned, as the
// oopsing task's are in Linux: locks the module held stay held, objects it was building
// stay as they were. The thread's own state (the exec context: current task, module, user
// window; the atomic context: preempt count, held locks) is restored to what it was at
// the boundary, with Linux's note when the call died in atomic context.
//
// A fault outside any boundary is the daemon's own bug: it goes to the handler that was
// installed before ours (a sanitizer's), or kills the daemon as it would have.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

namespace lkmfs::kernel {

// Installs the fault handlers; idempotent (the Kernel calls it).
void install_oops_handlers();

// The implementation behind run_contained(): runs thunk(ctx) inside a boundary named
// `what` ("proc_read", "module init"...). True if it returned; false if an oops ended it.
bool run_contained_call(const char *what, void (*thunk)(void *), void *ctx);

// Runs `body` (module code, or core code calling into it) inside an oops boundary. Local
// variables the body assigns must be declared outside it and read only when it returned
// true.
template <class F>
bool run_contained(const char *what, F &&body) {
    using Body = std::remove_reference_t<F>;
    return run_contained_call(
        what, [](void *ctx) { (*static_cast<Body *>(ctx))(); },
        const_cast<void *>(static_cast<const void *>(std::addressof(body))));
}

// Whether the calling thread runs inside an oops boundary.
bool in_oops_boundary();

// Abandons the current contained call after an oops that was already reported (BUG()).
// Only valid inside a boundary.
[[noreturn]] void oops_unwind();

} // namespace lkmfs::kernel
