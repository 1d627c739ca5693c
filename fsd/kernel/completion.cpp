// Completions (kernel/sched/completion.c semantics): `done` counts complete() calls that
// no waiter has consumed yet, UINT_MAX after complete_all(). Waiters sleep on `done` as a
// futex while it is zero.
#include "might_sleep.h"
#include "sleep.h"

#include <linux/completion.h>
#include <linux/errno.h>

#include <climits>

using namespace lkmfs::kernel;

namespace {

bool try_consume(struct completion *x) {
    unsigned int d = __atomic_load_n(&x->done, __ATOMIC_ACQUIRE);
    while (d != 0) {
        if (d == UINT_MAX)
            return true; // complete_all(): everyone passes, nothing is consumed
        if (__atomic_compare_exchange_n(&x->done, &d, d - 1, true, __ATOMIC_ACQUIRE,
                                        __ATOMIC_ACQUIRE))
            return true;
    }
    return false;
}

// As do_wait_for_common(): the jiffies left (at least 1) once completed; 0 on timeout;
// -ERESTARTSYS if interrupted. `jiffies` < 0: no timeout (the result is then 1 or the error).
long wait_common(struct completion *x, long jiffies, SleepMode mode) {
    LKMFS_MIGHT_SLEEP();
    Deadline deadline = jiffies < 0 ? std::nullopt : deadline_after_jiffies(jiffies);
    auto left = [&] { return deadline ? std::max(jiffies_left(*deadline), 1L) : 1L; };
    while (!try_consume(x)) {
        __atomic_fetch_add(&x->sleepers, 1u, __ATOMIC_SEQ_CST);
        Wakeup w = futex_sleep(&x->done, 0, mode, deadline);
        __atomic_fetch_sub(&x->sleepers, 1u, __ATOMIC_SEQ_CST);
        if (w == Wakeup::Woken)
            continue;
        // Completed meanwhile: that counts, as in Linux, even though the time is up.
        if (try_consume(x))
            return left();
        return w == Wakeup::Interrupted ? -ERESTARTSYS : 0;
    }
    return left();
}

} // namespace

extern "C" void reinit_completion(struct completion *x) {
    __atomic_store_n(&x->done, 0u, __ATOMIC_RELEASE);
}

extern "C" void wait_for_completion(struct completion *x) {
    wait_common(x, -1, SleepMode::Uninterruptible);
}

extern "C" void wait_for_completion_io(struct completion *x) {
    wait_common(x, -1, SleepMode::Uninterruptible);
}

extern "C" int wait_for_completion_interruptible(struct completion *x) {
    long r = wait_common(x, -1, SleepMode::Interruptible);
    return r < 0 ? static_cast<int>(r) : 0;
}

extern "C" int wait_for_completion_killable(struct completion *x) {
    long r = wait_common(x, -1, SleepMode::Interruptible);
    return r < 0 ? static_cast<int>(r) : 0;
}

extern "C" unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout) {
    return static_cast<unsigned long>(
        wait_common(x, static_cast<long>(timeout), SleepMode::Uninterruptible));
}

extern "C" unsigned long wait_for_completion_io_timeout(struct completion *x,
                                                        unsigned long timeout) {
    return wait_for_completion_timeout(x, timeout);
}

extern "C" long wait_for_completion_interruptible_timeout(struct completion *x,
                                                          unsigned long timeout) {
    return wait_common(x, static_cast<long>(timeout), SleepMode::Interruptible);
}

extern "C" long wait_for_completion_killable_timeout(struct completion *x, unsigned long timeout) {
    return wait_common(x, static_cast<long>(timeout), SleepMode::Interruptible);
}

extern "C" bool try_wait_for_completion(struct completion *x) {
    return try_consume(x);
}

extern "C" bool completion_done(struct completion *x) {
    return __atomic_load_n(&x->done, __ATOMIC_ACQUIRE) != 0;
}

extern "C" void complete(struct completion *x) {
    unsigned int d = __atomic_load_n(&x->done, __ATOMIC_RELAXED);
    while (d != UINT_MAX && !__atomic_compare_exchange_n(&x->done, &d, d + 1, true,
                                                         __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
    }
    if (__atomic_load_n(&x->sleepers, __ATOMIC_SEQ_CST) != 0)
        futex_wake(&x->done, 1);
}

extern "C" void complete_all(struct completion *x) {
    __atomic_store_n(&x->done, UINT_MAX, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&x->sleepers, __ATOMIC_SEQ_CST) != 0)
        futex_wake(&x->done, INT_MAX);
}
