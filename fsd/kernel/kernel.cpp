#include "kernel.h"

#include "fault_inject.h"
#include "kernel_symbols.h"
#include "kmemleak.h"
#include "kthread.h"
#include "loaded_module.h"
#include "lockdep.h"
#include "oops.h"
#include "slab_registry.h"
#include "softirq.h"
#include "timer_base.h"
#include "watchdog.h"
#include "workqueue.h"
#include "procfs/core_entries.h"
#include "procfs/proc_tree.h"

#include <cstdio>
#include <stdexcept>

#include <linux/printk.h>
#include <linux/workqueue.h>

namespace lkmfs::kernel {

namespace {
Kernel *g_running_kernel = nullptr;

// The console: records below console_loglevel, formatted as the kernel's console prints.
void print_to_console(const LogRecord &record) {
    std::fprintf(stderr, "[%5llu.%06llu] %s\n",
                 static_cast<unsigned long long>(record.ts_usec / 1000000),
                 static_cast<unsigned long long>(record.ts_usec % 1000000), record.text.c_str());
}
} // namespace

Kernel::Kernel(const KernelOptions &options)
    : options_(options), log_(std::make_unique<PrintkRing>(options.log_buf_bytes)),
      symbols_(std::make_unique<KernelSymbols>()) {
    if (g_running_kernel != nullptr)
        throw std::logic_error("only one simulated kernel may run per process");
    g_running_kernel = this;
    set_kmemleak_enabled(options.kmemleak);
    fault_inject::clear_all(); // a previous kernel's settings (tests run several in turn)
    for (const FaultInjection &f : options.fault_injection)
        fault_inject::set(f.module, f.kind, f.attr);
    set_debug_checks(options.lock_checks);
    int console_level = options.console_loglevel;
    log_->set_console([console_level](const LogRecord &record) {
        if (record.level < console_level && !record.cont)
            print_to_console(record);
    });
    if (Status st = KernelSymbols::from_running_executable(symbols_.get()); !st)
        throw std::runtime_error("cannot read the kernel symbol table: " + st.message);
    proc_ = std::make_unique<procfs::ProcTree>(options.owner_uid, options.owner_gid);
    procfs::register_core_entries(*proc_);
    install_oops_handlers();
    timers_ = std::make_unique<TimerBase>();
    softirq_ = std::make_unique<Softirq>(*timers_);
    workqueues_ = std::make_unique<Workqueues>();
    system_wq = workqueues_->create("events", 0, 0, nullptr);
    system_highpri_wq = workqueues_->create("events_highpri", WQ_HIGHPRI, 0, nullptr);
    system_long_wq = workqueues_->create("events_long", 0, 0, nullptr);
    system_unbound_wq = workqueues_->create("events_unbound", WQ_UNBOUND, WQ_MAX_ACTIVE, nullptr);
    system_freezable_wq = workqueues_->create("events_freezable", WQ_FREEZABLE, 0, nullptr);
    system_power_efficient_wq =
        workqueues_->create("events_power_efficient", WQ_POWER_EFFICIENT, 0, nullptr);
    system_freezable_power_efficient_wq = workqueues_->create(
        "events_freezable_power_efficient", WQ_FREEZABLE | WQ_POWER_EFFICIENT, 0, nullptr);
    kthreads_ = std::make_unique<KThreads>();
    modules_ = std::make_unique<ModuleRegistry>(*symbols_);
    modules_->set_leftover_cleaner([this](LoadedModule &module) {
        stop_deferred_work_of(module);
        proc_->remove_leftovers_of(&module);
        destroy_caches_of(&module);
        // Its lock classes' keys live in its image, which goes next.
        lockdep_forget_image(module.base_address());
    });
    modules_->set_module_calls({
        [this](const LoadedModule *module) { return proc_->calls_into(module); },
        [this](const LoadedModule *module) { return proc_->interrupt_calls_into(module); },
    });
    watchdog_ = std::make_unique<SoftLockupWatchdog>(options.softlockup_threshold);
}

void Kernel::stop_deferred_work_of(LoadedModule &module) {
    const char *name = module.name().c_str();
    auto report = [&](const char *what, const std::vector<std::string> &names, const char *done) {
        for (const auto &n : names)
            printk(KERN_WARNING "%s: %s %s still active at unload; %s\n", name, what, n.c_str(),
                   done);
    };
    // Threads first: they may arm timers and queue work until they stop.
    KThreads::Leftovers threads = kthreads_->remove_owned_by(&module, std::chrono::seconds(3));
    report("kthread", threads.stopped, "stopped");
    for (const auto &n : threads.stuck) {
        printk(KERN_ERR "%s: kthread %s did not stop within 3 s of unload; the module's code "
                        "stays mapped for it\n",
               name, n.c_str());
        module.keep_mapped();
    }
    // Twice: a timer or tasklet that ran meanwhile may have queued work, and work may
    // have armed a timer.
    for (int round = 0; round < 2; ++round) {
        Workqueues::Leftovers work = workqueues_->remove_owned_by(&module);
        report("work", work.work, "cancelled");
        report("workqueue", work.queues, "destroyed");
        report("timer", timers_->remove_owned_by(&module), "deleted");
        report("tasklet", softirq_->remove_owned_by(&module), "killed");
    }
}

void Kernel::begin_shutdown() {
    shutting_down_.store(true);
    log_->kick_waiters();
}

Kernel::~Kernel() {
    watchdog_.reset(); // its reports read the module list
    modules_.reset();
    kthreads_.reset();
    system_wq = system_highpri_wq = system_long_wq = system_unbound_wq = nullptr;
    system_freezable_wq = system_power_efficient_wq = nullptr;
    system_freezable_power_efficient_wq = nullptr;
    workqueues_.reset();
    softirq_.reset();
    timers_.reset();
    proc_.reset();
    set_debug_checks({false, false, false}); // reports need a kernel to log to
    g_running_kernel = nullptr;
}

Kernel &Kernel::get() {
    return *g_running_kernel;
}

} // namespace lkmfs::kernel
