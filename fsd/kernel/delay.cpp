// Delays (<linux/delay.h>). Busy-waits spin on the monotonic clock; sleeps go through
// schedule_timeout(), so a wake_up_process() cuts short only the round it interrupts and
// the loop sleeps on until the time is up, as Linux's msleep() does.
#include "might_sleep.h"
#include "sleep.h"
#include "watchdog.h"

#include <sched.h>
#include <time.h>

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/wait.h>

namespace {

void spin_for(std::chrono::nanoseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until)
        __builtin_ia32_pause();
}

} // namespace

extern "C" void udelay(unsigned long usecs) {
    spin_for(std::chrono::microseconds(usecs));
}

extern "C" void ndelay(unsigned long nsecs) {
    spin_for(std::chrono::nanoseconds(nsecs));
}

// One tick more than the time asked: the sleep starts somewhere inside the current tick.
extern "C" void msleep(unsigned int msecs) {
    unsigned long timeout = msecs_to_jiffies(msecs) + 1;
    while (timeout)
        timeout = static_cast<unsigned long>(
            schedule_timeout_uninterruptible(static_cast<long>(timeout)));
}

extern "C" unsigned long msleep_interruptible(unsigned int msecs) {
    unsigned long timeout = msecs_to_jiffies(msecs) + 1;
    while (timeout && !signal_pending(get_current()))
        timeout =
            static_cast<unsigned long>(schedule_timeout_interruptible(static_cast<long>(timeout)));
    return jiffies_to_msecs(timeout);
}

// An hrtimer sleep in Linux: not rounded to ticks. Sleeps at least `min` microseconds
// (up to `max` is allowed; the host timer's slack decides), in the given task state.
extern "C" void usleep_range_state(unsigned long min, unsigned long max, unsigned int state) {
    lkmfs::kernel::schedule_debug_check(); // an hrtimer sleep: schedule()'s check
    (void)max;
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(min);
    bool interruptible = (state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)) != 0;
    lkmfs::kernel::WatchdogSleep asleep; // not a soft lockup while asleep
    for (;;) {
        auto now = std::chrono::steady_clock::now();
        if (now >= until || (interruptible && signal_pending(get_current())))
            return;
        auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - now);
        timespec ts{static_cast<time_t>(left.count() / 1000000000),
                    static_cast<long>(left.count() % 1000000000)};
        nanosleep(&ts, nullptr);
    }
}

// Linux picks the best primitive for the length: a busy-wait up to 10 us, usleep_range
// below about two ticks, msleep beyond.
extern "C" void fsleep(unsigned long usecs) {
    if (usecs <= 10)
        udelay(usecs);
    else if (usecs <= 20000)
        usleep_range(usecs, 2 * usecs);
    else
        msleep(static_cast<unsigned int>((usecs + 999) / 1000));
}
