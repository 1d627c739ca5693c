// Sleeping in atomic context, as Linux's CONFIG_DEBUG_ATOMIC_SLEEP: a function that may
// sleep checks at its top that its caller may sleep (no spin lock held, preemption and
// interrupts enabled, not in a softirq such as a timer callback or tasklet) and reports
// "BUG: sleeping function called from invalid context" if not. schedule() itself reports
// "BUG: scheduling while atomic". The thread goes on: sleeping here does not hang the
// "CPU" as it could in Linux.
#pragma once

#include "atomic_context.h"

#include <linux/gfp.h>

namespace lkmfs::kernel {

// The report; `file`/`line` name the check's place. Rate-limited as Linux: at most one
// report a second.
void report_might_sleep(const char *file, int line);
// schedule()'s check: "BUG: scheduling while atomic" when preemption is disabled; the
// might_sleep report when only interrupts are.
void schedule_debug_check();

inline void might_sleep_check(const char *file, int line) {
    if (in_atomic_context()) [[unlikely]]
        report_might_sleep(file, line);
}

// For tests: the next report is not held back by the rate limit.
void reset_might_sleep_ratelimit_for_testing();

} // namespace lkmfs::kernel

// At the top of a kernel function that may sleep.
#define LKMFS_MIGHT_SLEEP() ::lkmfs::kernel::might_sleep_check(__FILE__, __LINE__)
// At the top of an allocator: only allocations that may reclaim (GFP_KERNEL) sleep.
#define LKMFS_MIGHT_ALLOC(gfp)                                                                     \
    do {                                                                                           \
        if (gfpflags_allow_blocking(gfp))                                                          \
            LKMFS_MIGHT_SLEEP();                                                                   \
    } while (0)
