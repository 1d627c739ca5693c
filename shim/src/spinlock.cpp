#include "spinlock.h"

#include "layout.h"
#include "region.h"
#include "syscalls.h"

#include <ctime>

namespace seekmark {

namespace {

// Thread ordinals are per process; together with the record index they are unique in the
// family. initial-exec: no lazy TLS allocation, so reading them is signal-safe.
[[gnu::tls_model("initial-exec")]] thread_local std::uint32_t t_ordinal = 0;
// Slot locks this thread holds: > 0 means we are nested (a signal handler).
[[gnu::tls_model("initial-exec")]] thread_local std::uint32_t t_held = 0;
std::uint32_t g_next_ordinal = 0;

constexpr long kNestedWaitNs = 50'000'000;   // 50 ms
constexpr long kAbandonedNs = 2'000'000'000; // 2 s
constexpr std::uint32_t kSpinsBeforeYield = 100;

long elapsed_ns(const timespec &since) noexcept {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since.tv_sec) * 1'000'000'000L + (now.tv_nsec - since.tv_nsec);
}

void relax() noexcept {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

bool owner_dead(std::uint64_t owner) noexcept {
    const auto rec = static_cast<int>(owner >> 32) - 1;
    return !record_alive(rec);
}

} // namespace

std::uint64_t owner_id(int rec) noexcept {
    if (t_ordinal == 0) {
        t_ordinal = atom(g_next_ordinal).fetch_add(1, std::memory_order_relaxed) + 1;
    }
    return (static_cast<std::uint64_t>(rec + 1) << 32) | t_ordinal;
}

bool try_lock(std::uint64_t &word, std::uint64_t me) noexcept {
    std::uint64_t expected = 0;
    if (atom(word).compare_exchange_strong(expected, me, std::memory_order_acquire)) {
        ++t_held;
        return true;
    }
    return false;
}

Acquire lock(std::uint64_t &word, std::uint64_t me) noexcept {
    if (try_lock(word, me)) {
        return Acquire::kOk;
    }
    const bool nested = t_held > 0;
    timespec start{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (std::uint32_t spins = 1;; ++spins) {
        std::uint64_t owner = atom(word).load(std::memory_order_relaxed);
        if (owner == me) {
            return Acquire::kDeadlock;
        }
        if (owner == 0 && try_lock(word, me)) {
            return Acquire::kOk;
        }
        if (spins < kSpinsBeforeYield) {
            relax();
            continue;
        }
        sys::sched_yield();
        if (spins % 64 != 0) {
            continue;
        }
        const long waited = elapsed_ns(start);
        if (nested && waited > kNestedWaitNs) {
            return Acquire::kDeadlock;
        }
        if (owner != 0 && (waited > kAbandonedNs || owner_dead(owner)) &&
            atom(word).compare_exchange_strong(owner, me, std::memory_order_acquire)) {
            ++t_held;
            return Acquire::kOk;
        }
    }
}

void unlock(std::uint64_t &word) noexcept {
    atom(word).store(0, std::memory_order_release);
    --t_held;
}

} // namespace seekmark
