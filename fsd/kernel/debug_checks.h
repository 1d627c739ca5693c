// The lock and sleep debug checks a config switches (debug.lockdep, debug.might_sleep,
// debug.lock_misuse): Linux's CONFIG_PROVE_LOCKING, CONFIG_DEBUG_ATOMIC_SLEEP and
// CONFIG_DEBUG_SPINLOCK/CONFIG_DEBUG_MUTEXES. Read on every lock operation, so they are
// relaxed atomics, not the Kernel's options. Off while no Kernel runs (the reports need its
// log; unit tests take locks without one); the Kernel sets them from its options.
#pragma once

#include <atomic>

namespace lkmfs::kernel {

struct DebugChecks {
    bool lockdep = true;     // lock-order (circular, recursive) dependencies
    bool might_sleep = true; // sleeping in atomic context
    bool lock_misuse = true; // spinlock recursion / bad unlock, mutex released by another
};

namespace debug_checks_detail {
inline std::atomic<bool> lockdep{false};
inline std::atomic<bool> might_sleep{false};
inline std::atomic<bool> lock_misuse{false};
} // namespace debug_checks_detail

inline bool lockdep_enabled() {
    return debug_checks_detail::lockdep.load(std::memory_order_relaxed);
}
inline bool might_sleep_enabled() {
    return debug_checks_detail::might_sleep.load(std::memory_order_relaxed);
}
inline bool lock_misuse_enabled() {
    return debug_checks_detail::lock_misuse.load(std::memory_order_relaxed);
}

inline void set_debug_checks(const DebugChecks &checks) {
    debug_checks_detail::lockdep.store(checks.lockdep, std::memory_order_relaxed);
    debug_checks_detail::might_sleep.store(checks.might_sleep, std::memory_order_relaxed);
    debug_checks_detail::lock_misuse.store(checks.lock_misuse, std::memory_order_relaxed);
}

inline DebugChecks debug_checks() {
    return {lockdep_enabled(), might_sleep_enabled(), lock_misuse_enabled()};
}

} // namespace lkmfs::kernel
