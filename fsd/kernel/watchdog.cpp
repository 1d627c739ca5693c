#include "watchdog.h"

#include "exec_context.h"
#include "oops_report.h"
#include "stack_trace.h"
#include "taint.h"

#include <execinfo.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <linux/kernel.h> // _cond_resched(), exported with the kernel API
#include <linux/printk.h>
#include <linux/sched.h>

namespace lkmfs::kernel {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

// The watchdog's request to a stuck thread, and what the thread answers.
enum SampleState : int { kIdle, kRequested, kDone };

// One thread that has run module code. Its own thread writes `depth`, `sleeping` and
// `touched_ns`; the watchdog reads them. The sample is written by the thread's signal
// handler and read by the watchdog once `sample` is kDone.
struct WatchedThread {
    pid_t tid = 0;
    std::atomic<int> depth{0};
    std::atomic<int> sleeping{0};
    std::atomic<std::int64_t> touched_ns{0};

    // The watchdog's own bookkeeping: the last touch it saw, the last time it saw the
    // thread blocked in the host kernel, the start of the episode (the later of the two)
    // and when it was last reported.
    std::int64_t seen_touch_ns = -1;
    std::int64_t blocked_ns = 0;
    long voluntary_switches = -1;
    std::int64_t episode_ns = -1;
    std::int64_t reported_ns = 0;

    std::atomic<int> sample{kIdle};
    bool busy = false; // in module code and not asleep when sampled
    std::int64_t sampled_touch = 0;
    std::uintptr_t ip = 0;
    std::array<std::uintptr_t, 48> frames{};
    int frame_count = 0;
    long pid = 0;
    char comm[TASK_COMM_LEN] = {};
};

// Every thread that ever ran module code, while it lives. Leaked: threads may end after
// static destruction began.
struct Registry {
    std::mutex mutex;
    std::vector<std::shared_ptr<WatchedThread>> threads;
};
Registry &registry() {
    static auto *r = new Registry;
    return *r;
}

int sample_signal() {
    static const int sig = SIGRTMIN + 3;
    return sig;
}

void on_sample_signal(int, siginfo_t *, void *uctx);

void install_sample_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        void *warm[4];
        ::backtrace(warm, 4); // loads the unwinder now, not inside the signal handler
        struct sigaction sa {};
        sa.sa_sigaction = on_sample_signal;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        ::sigaction(sample_signal(), &sa, nullptr);
    });
}

// This thread's entry, made on its first call into module code.
class ThisThread {
  public:
    WatchedThread *get() {
        if (thread_ == nullptr) {
            install_sample_handler();
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, sample_signal());
            pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
            thread_ = std::make_shared<WatchedThread>();
            thread_->tid = static_cast<pid_t>(::syscall(SYS_gettid));
            std::lock_guard lock(registry().mutex);
            registry().threads.push_back(thread_);
            raw_.store(thread_.get(), std::memory_order_release);
        }
        return thread_.get();
    }
    // For the signal handler: no allocation, no lock.
    WatchedThread *peek() const { return raw_.load(std::memory_order_acquire); }
    ~ThisThread() {
        if (thread_ == nullptr)
            return;
        raw_.store(nullptr, std::memory_order_release);
        std::lock_guard lock(registry().mutex);
        auto &v = registry().threads;
        v.erase(std::remove(v.begin(), v.end(), thread_), v.end());
    }

  private:
    std::shared_ptr<WatchedThread> thread_;
    std::atomic<WatchedThread *> raw_{nullptr};
};

thread_local ThisThread t_this;

void on_sample_signal(int, siginfo_t *, void *uctx) {
    int saved_errno = errno;
    WatchedThread *t = t_this.peek();
    if (t != nullptr && t->sample.load(std::memory_order_acquire) == kRequested) {
        const auto *uc = static_cast<const ucontext_t *>(uctx);
        t->ip = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
        t->busy = t->depth.load(std::memory_order_relaxed) > 0 &&
                  t->sleeping.load(std::memory_order_relaxed) == 0;
        t->sampled_touch = t->touched_ns.load(std::memory_order_relaxed);
        // The interrupted chain is still on the thread's stack, below the signal frame.
        t->frame_count = ::backtrace(reinterpret_cast<void **>(t->frames.data()),
                                     static_cast<int>(t->frames.size()));
        const task_struct *task = get_current();
        t->pid = task->pid != 0 ? static_cast<long>(task->pid) : static_cast<long>(t->tid);
        std::memcpy(t->comm, task->comm, sizeof t->comm);
        t->comm[sizeof t->comm - 1] = '\0';
        t->sample.store(kDone, std::memory_order_release);
    }
    errno = saved_errno;
}

// Whether the host kernel saw `tid` block since `*switches` was taken (its count of
// voluntary context switches grew) or sees it blocked now: a wait of the daemon's own
// (a condition variable, a pipe) that module code reaches is a sleep too.
bool blocked_since(pid_t tid, long *switches) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/task/%d/status", static_cast<int>(tid));
    std::FILE *f = std::fopen(path, "re");
    if (f == nullptr)
        return false;
    char line[256];
    char state = 'R';
    long count = -1;
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::strncmp(line, "State:", 6) == 0)
            std::sscanf(line + 6, " %c", &state);
        else if (std::strncmp(line, "voluntary_ctxt_switches:", 24) == 0)
            std::sscanf(line + 24, "%ld", &count);
    }
    std::fclose(f);
    bool switched = *switches >= 0 && count != *switches;
    *switches = count;
    return switched || state == 'S' || state == 'D';
}

// Asks `t` for its state and backtrace; false if it did not answer in time (it is gone).
bool sample(WatchedThread &t) {
    t.sample.store(kRequested, std::memory_order_release);
    if (::syscall(SYS_tgkill, ::getpid(), t.tid, sample_signal()) != 0) {
        t.sample.store(kIdle);
        return false;
    }
    auto give_up = Clock::now() + std::chrono::seconds(1);
    while (t.sample.load(std::memory_order_acquire) != kDone) {
        if (Clock::now() > give_up) {
            t.sample.store(kIdle);
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    t.sample.store(kIdle);
    return true;
}

// Where the thread was, as module or lkmfs code: the interrupted instruction, or, when it
// was inside the C library or the vDSO (a clock read, a memcpy), the innermost caller
// outside them. Frames: the signal handler, the signal trampoline (in the C library),
// then the interrupted chain.
struct Site {
    std::uintptr_t address;
    bool exact; // the instruction itself, not a return address
};
Site interrupted_site(const WatchedThread &t) {
    auto ours = [](std::uintptr_t a) {
        return !in_runtime_library(a) && symbolize(a).rfind("0x", 0) != 0;
    };
    if (ours(t.ip))
        return {t.ip, true};
    int i = 0;
    while (i < t.frame_count && !in_c_library(t.frames[i]))
        ++i;
    for (++i; i < t.frame_count; ++i)
        if (t.frames[i] != t.ip && ours(t.frames[i]))
            return {t.frames[i], false};
    return {t.ip, true};
}

void report(const WatchedThread &t, std::int64_t now) {
    auto stuck_s = static_cast<unsigned>((now - t.episode_ns) / 1000000000);
    {
        std::lock_guard lock(report_mutex());
        printk(KERN_EMERG "watchdog: BUG: soft lockup - CPU#0 stuck for %us! [%s:%ld]\n", stuck_s,
               t.comm, t.pid);
        printk(KERN_WARNING "%s\n", modules_linked_in().c_str());
        print_cpu_line(TaskIdentity{t.pid, t.comm});
        Site site = interrupted_site(t);
        print_trace(site.address, t.frames.data(), static_cast<std::size_t>(t.frame_count),
                    site.exact);
    }
    // As Linux, after the report: its CPU line does not show L yet the first time.
    add_taint(kTaintSoftLockup);
}

} // namespace

void watchdog_call_begin() {
    WatchedThread *t = t_this.get();
    if (t->depth.load(std::memory_order_relaxed) == 0)
        t->touched_ns.store(now_ns(), std::memory_order_relaxed);
    t->depth.fetch_add(1, std::memory_order_release);
}

void watchdog_call_end() {
    if (WatchedThread *t = t_this.peek())
        t->depth.fetch_sub(1, std::memory_order_release);
}

void watchdog_touch() {
    if (WatchedThread *t = t_this.peek())
        t->touched_ns.store(now_ns(), std::memory_order_relaxed);
}

WatchdogSleep::WatchdogSleep() {
    if (WatchedThread *t = t_this.peek())
        t->sleeping.fetch_add(1, std::memory_order_release);
}

WatchdogSleep::~WatchdogSleep() {
    if (WatchedThread *t = t_this.peek()) {
        t->touched_ns.store(now_ns(), std::memory_order_relaxed);
        t->sleeping.fetch_sub(1, std::memory_order_release);
    }
}

SoftLockupWatchdog::SoftLockupWatchdog(std::chrono::milliseconds threshold)
    : threshold_(threshold) {
    if (threshold_.count() > 0) {
        install_sample_handler();
        thread_ = std::thread([this] { run(); });
    }
}

SoftLockupWatchdog::~SoftLockupWatchdog() {
    if (!thread_.joinable())
        return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void SoftLockupWatchdog::run() {
    set_kernel_thread_name("watchdog/0");
    // Linux samples five times per threshold (watchdog_thresh * 2 / 5).
    auto period = std::max(threshold_ / 5, std::chrono::milliseconds(1));
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
        lock.unlock();
        check_once();
        lock.lock();
    }
}

void SoftLockupWatchdog::check_once() {
    auto threshold_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(threshold_).count();
    std::int64_t now = now_ns();
    std::vector<std::shared_ptr<WatchedThread>> stuck;
    {
        std::lock_guard lock(registry().mutex);
        for (const auto &t : registry().threads) {
            if (t->depth.load(std::memory_order_acquire) == 0 ||
                t->sleeping.load(std::memory_order_acquire) != 0)
                continue;
            std::int64_t touched = t->touched_ns.load(std::memory_order_relaxed);
            if (touched != t->seen_touch_ns) { // a call began, or it slept, since
                t->seen_touch_ns = touched;
                t->voluntary_switches = -1;
            }
            if (blocked_since(t->tid, &t->voluntary_switches))
                t->blocked_ns = now;
            std::int64_t start = std::max(touched, t->blocked_ns);
            if (start != t->episode_ns) { // a new episode
                t->episode_ns = start;
                t->reported_ns = start;
            }
            if (now - t->reported_ns > threshold_ns)
                stuck.push_back(t);
        }
    }
    for (const auto &t : stuck) {
        if (!sample(*t) || !t->busy || t->sampled_touch != t->seen_touch_ns)
            continue; // it moved on in the meantime
        t->reported_ns = now;
        report(*t, now);
    }
}

} // namespace lkmfs::kernel

// <linux/sched.h>'s _cond_resched(), which cond_resched() calls: a chance to schedule, so
// a long loop that calls it is not a soft lockup.
extern "C" int _cond_resched(void) {
    lkmfs::kernel::watchdog_touch();
    return 0;
}
