#include "sleep.h"

#include "exec_context.h"
#include "kernel.h"
#include "watchdog.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <ctime>

#include <linux/sched.h>

namespace lkmfs::kernel {

namespace {

// While it lives, a signal to the current task wakes everything asleep on `word` (the
// sleeper among them re-checks and sees the signal).
class SignalWaker {
  public:
    SignalWaker(TaskSignal *signal, unsigned int *word) : signal_(signal) {
        if (signal_ != nullptr)
            signal_->set_waker([word] { futex_wake(word, INT_MAX); });
    }
    ~SignalWaker() {
        if (signal_ != nullptr)
            signal_->clear_waker();
    }
    SignalWaker(const SignalWaker &) = delete;
    SignalWaker &operator=(const SignalWaker &) = delete;

  private:
    TaskSignal *signal_;
};

// The task's state while it sleeps on the futex, for reports of what it waits in.
class SleepingState {
  public:
    SleepingState(TaskSignal *task, SleepMode mode) : task_(task) {
        if (task_ != nullptr)
            task_->set_state(mode == SleepMode::Interruptible ? TaskState::Interruptible
                                                              : TaskState::Uninterruptible);
    }
    ~SleepingState() {
        if (task_ != nullptr)
            task_->set_state(TaskState::Running);
    }
    SleepingState(const SleepingState &) = delete;
    SleepingState &operator=(const SleepingState &) = delete;

  private:
    TaskSignal *task_;
};

timespec to_timespec(SleepClock::duration d) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

} // namespace

Deadline deadline_after_jiffies(long jiffies) {
    return SleepClock::now() + std::chrono::microseconds(jiffies * (1000000 / kHz));
}

long jiffies_left(SleepClock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - SleepClock::now());
    if (left.count() <= 0)
        return 0;
    constexpr long tick = 1000000 / kHz;
    return static_cast<long>((left.count() + tick - 1) / tick);
}

bool sleep_interrupted() {
    const ExecContext &ctx = exec_context();
    if (ctx.signal == nullptr)
        return false;
    // A TaskSignal is only set while a request of the running kernel is served.
    return ctx.signal->pending() || Kernel::get().shutting_down();
}

Wakeup futex_sleep(unsigned int *word, unsigned int expected, SleepMode mode,
                   const Deadline &deadline) {
    bool interruptible = mode == SleepMode::Interruptible;
    TaskSignal *signal = interruptible ? exec_context().signal : nullptr;
    SignalWaker waker(signal, word);
    // Checked after the waker is in place: a signal raised before it is seen here, one
    // raised after it wakes the futex.
    if (interruptible && sleep_interrupted())
        return Wakeup::Interrupted;
    std::optional<SleepClock::duration> wait;
    if (deadline) {
        auto left = *deadline - SleepClock::now();
        if (left <= SleepClock::duration::zero())
            return Wakeup::TimedOut;
        wait = left;
    }
    if (signal != nullptr && (!wait || *wait > kShutdownPoll))
        wait = kShutdownPoll;
    timespec ts{};
    if (wait)
        ts = to_timespec(*wait);
    SleepingState sleeping(exec_context().signal, mode);
    WatchdogSleep asleep; // not a soft lockup while asleep
    ::syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, wait ? &ts : nullptr, nullptr, 0);
    if (interruptible && sleep_interrupted())
        return Wakeup::Interrupted;
    if (deadline && SleepClock::now() >= *deadline)
        return Wakeup::TimedOut;
    return Wakeup::Woken;
}

void futex_wake(unsigned int *word, int count) {
    ::syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}

} // namespace lkmfs::kernel
