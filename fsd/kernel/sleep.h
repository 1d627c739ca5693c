// How every sleeping primitive of the simulated kernel sleeps: on a futex word (a lock
// word, a count, a task's state), until the word is woken, a deadline passes or, for an
// interruptible sleep, the task is signalled. A signal arrives as TaskSignal::raise() (the
// FUSE interrupt of Ctrl-C, or a forced unload): while asleep the task registers a waker
// that wakes its futex word, so the sleep ends at once. Shutdown also ends interruptible
// sleeps of requests; it is noticed within kShutdownPoll.
#pragma once

#include <chrono>
#include <optional>

namespace lkmfs::kernel {

// Timer ticks per second: CONFIG_HZ of Debian's kernels. <linux/jiffies.h> defines the same.
constexpr long kHz = 250;

using SleepClock = std::chrono::steady_clock;
using Deadline = std::optional<SleepClock::time_point>;

Deadline deadline_after_jiffies(long jiffies);
// Whole jiffies left until `deadline`, rounded up; 0 if it has passed.
long jiffies_left(SleepClock::time_point deadline);

enum class SleepMode { Uninterruptible, Interruptible };
enum class Wakeup { Woken, TimedOut, Interrupted };

// Whether an interruptible sleep of the current task must end now: a signal is pending,
// or the daemon shuts down while the task serves a request.
bool sleep_interrupted();

// Sleeps while *word == expected. Woken may be spurious: callers re-check their condition.
Wakeup futex_sleep(unsigned int *word, unsigned int expected, SleepMode mode,
                   const Deadline &deadline);
// Wakes up to `count` threads asleep on `word`.
void futex_wake(unsigned int *word, int count);

constexpr std::chrono::milliseconds kShutdownPoll{100};

} // namespace lkmfs::kernel
