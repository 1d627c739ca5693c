// Helpers for the tests of the simulated kernel's locks and sleeping primitives.
#pragma once

#include "kernel/exec_context.h"
#include "kernel/kernel.h"

#include <gtest/gtest.h>

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace lkmfs::kernel::sync_test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// CPU time the calling thread has used: a sleeper that really sleeps uses next to none.
inline std::chrono::microseconds thread_cpu_time() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::microseconds(static_cast<long long>(ts.tv_sec) * 1000000 +
                                     ts.tv_nsec / 1000);
}

// Waits (bounded) until `pred` holds; returns whether it did.
inline bool eventually(const std::function<bool()> &pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto until = Clock::now() + limit;
    while (!pred()) {
        if (Clock::now() > until)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// Runs `body(i)` on `n` threads at once and waits for all of them.
inline void run_threads(int n, const std::function<void(int)> &body) {
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            ready.fetch_add(1);
            while (ready.load() < n)
                std::this_thread::yield();
            body(i);
        });
    }
    for (auto &t : threads)
        t.join();
}

// A read-modify-write that is not atomic and gives other threads time to interleave: a
// counter bumped this way under a lock that did not exclude would lose updates.
// (Without a lock, 8 threads lose most of their updates on a 2-CPU machine.)
inline void racy_increment(long *counter) {
    long v = *counter;
    if ((v & 63) == 0) {
        std::this_thread::yield();
    } else {
        for (int i = 0; i < 20; ++i)
            __asm__ __volatile__("" ::: "memory");
    }
    *counter = v + 1;
}

// A running kernel (quiet), for tests where a task is signalled: an interruptible sleep
// asks the kernel whether it shuts down.
inline KernelOptions quiet_kernel() {
    KernelOptions options;
    options.console_loglevel = 0;
    return options;
}

// Runs `sleeper` on a thread serving a request of this process with its own TaskSignal, raises
// the signal after `delay` and returns the sleeper's result and how long it took after
// the signal to return.
template <class Result>
struct Interrupted {
    Result result{};
    std::chrono::milliseconds after_signal{};
};

template <class Result>
Interrupted<Result> interrupt_after(std::chrono::milliseconds delay,
                                    const std::function<Result()> &sleeper) {
    TaskSignal signal;
    Interrupted<Result> out;
    Clock::time_point raised{};
    std::atomic<bool> done{false};
    std::thread t([&] {
        TaskScope scope(Caller{getpid(), 0, 0}, &signal);
        out.result = sleeper();
        done.store(true);
    });
    std::this_thread::sleep_for(delay);
    EXPECT_FALSE(done.load()) << "the sleeper returned before it was signalled";
    raised = Clock::now();
    signal.raise();
    t.join();
    out.after_signal = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - raised);
    return out;
}

} // namespace lkmfs::kernel::sync_test
