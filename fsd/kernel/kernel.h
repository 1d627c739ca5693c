// The simulated kernel: the log, the module registry and the /proc tree of one daemon.
// The C API that modules call (printk, proc_create, kmalloc...) reaches it through
// Kernel::get(), the one global the simulated kernel keeps, as Linux keeps its own.
#pragma once

#include "debug_checks.h"
#include "module_registry.h"
#include "fault_inject.h"
#include "printk_ring.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>
#include <sys/types.h>

namespace lkmfs::procfs {
class ProcTree;
}

namespace lkmfs::kernel {

class KernelSymbols;
class KThreads;
class SoftLockupWatchdog;
class Softirq;
class TimerBase;
class Workqueues;

// One module's fault injection, as the config gives it.
struct FaultInjection {
    std::string module;
    fault_inject::Kind kind;
    fault_inject::Attr attr;
};

struct KernelOptions {
    std::size_t log_buf_bytes = 1 << 20;
    int console_loglevel = 4; // records with level < this also go to stderr, as Linux
    uid_t owner_uid = 0;      // the daemon's owner: proc entries belong to them
    gid_t owner_gid = 0;
    bool oops_kills_caller = true; // else the oopsed call fails with EIO
    bool kmemleak = true; // allocations keep their backtrace; rmmod reports each leaked object
    // Fault injection set at start, per module name (fault_inject.h).
    std::vector<FaultInjection> fault_injection;
    DebugChecks lock_checks; // lockdep, might_sleep, lock misuse (debug_checks.h)
    // Module code busy this long without sleeping is reported as a soft lockup
    // (watchdog.h): Linux's 2 * watchdog_thresh. Zero: no watchdog.
    std::chrono::milliseconds softlockup_threshold{20000};
};

class Kernel {
  public:
    explicit Kernel(const KernelOptions &options);
    ~Kernel();
    Kernel(const Kernel &) = delete;
    Kernel &operator=(const Kernel &) = delete;

    // The running kernel. Only valid between construction and destruction of a Kernel.
    static Kernel &get();

    PrintkRing &log() { return *log_; }
    ModuleRegistry &modules() { return *modules_; }
    procfs::ProcTree &proc() { return *proc_; }
    TimerBase &timers() { return *timers_; }
    Softirq &softirq() { return *softirq_; }
    Workqueues &workqueues() { return *workqueues_; }
    KThreads &kthreads() { return *kthreads_; }
    const KernelOptions &options() const { return options_; }

    // Shutdown: sleepers in the kernel are woken and their calls return as if signalled.
    void begin_shutdown();
    bool shutting_down() const { return shutting_down_.load(); }

  private:
    // What a module left running after its exit (timers, tasklets, work, queues,
    // kthreads) is stopped before its code goes, each with a warning.
    void stop_deferred_work_of(LoadedModule &module);

    KernelOptions options_;
    std::atomic<bool> shutting_down_{false};
    std::unique_ptr<PrintkRing> log_;
    std::unique_ptr<KernelSymbols> symbols_;
    std::unique_ptr<procfs::ProcTree> proc_;
    // Deferred work, in the order it is built: a tick needs the timers; workqueues need
    // the tick for delayed work. Destroyed in reverse, after the modules.
    std::unique_ptr<TimerBase> timers_;
    std::unique_ptr<Softirq> softirq_;
    std::unique_ptr<Workqueues> workqueues_;
    std::unique_ptr<KThreads> kthreads_;
    std::unique_ptr<ModuleRegistry> modules_;
    std::unique_ptr<SoftLockupWatchdog> watchdog_;
};

} // namespace lkmfs::kernel
