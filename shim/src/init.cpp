#include "init.h"

#include "identity.h"
#include "layout.h"
#include "process.h"
#include "real.h"
#include "region.h"
#include "syscalls.h"

namespace seekmark {

namespace {

enum : int { kNone = 0, kRunning = 1, kDone = 2, kFailed = 3 };
int g_state = kNone;
[[gnu::tls_model("initial-exec")]] thread_local bool t_initialising = false;

} // namespace

bool ensure_init() noexcept {
    int state = atom(g_state).load(std::memory_order_acquire);
    if (state == kDone) {
        return true;
    }
    if (state == kNone &&
        atom(g_state).compare_exchange_strong(state, kRunning, std::memory_order_acq_rel)) {
        t_initialising = true;
        const bool ok = region_create() && identity_create() && register_root();
        t_initialising = false;
        atom(g_state).store(ok ? kDone : kFailed, std::memory_order_release);
        return ok;
    }
    // Another thread initialises; a signal handler that interrupted our own does not wait.
    while (!t_initialising && (state = atom(g_state).load(std::memory_order_acquire)) == kRunning) {
        sys::sched_yield();
    }
    return atom(g_state).load(std::memory_order_acquire) == kDone;
}

namespace {

// Creating the region before main() runs is what lets a child forked before the first
// bookmark share stacks with its parent: a region created after a fork would not be.
[[gnu::constructor]] void initialise() {
    ensure_init();
    real::resolve_all();
}

} // namespace

} // namespace seekmark
