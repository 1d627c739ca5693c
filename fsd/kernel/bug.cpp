// WARN() and BUG() (<linux/bug.h>): the reports of Linux 6.1's kernel/panic.c __warn() and
// the x86 oops, printed to the kernel log line by line, with the call chain symbolized.
#include "exec_context.h"
#include "kernel.h"
#include "oops.h"
#include "stack_trace.h"
#include "taint.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <linux/bug.h>
#include <linux/printk.h>

namespace lkmfs::kernel {

namespace {

constexpr int kMaxFrames = 48;
thread_local int t_oops_boundaries = 0;
std::atomic<int> g_die_counter{0};

struct TaskIdentity {
    long pid;
    std::string comm;
};

TaskIdentity current_identity() {
    const ExecContext &ctx = exec_context();
    if (ctx.has_task)
        return {static_cast<long>(ctx.task.pid), ctx.task.comm};
    return {static_cast<long>(::syscall(SYS_gettid)), "lkmfsd"};
}

std::string modules_linked_in() {
    std::string out = "Modules linked in:";
    for (const auto &m : Kernel::get().modules().list()) {
        out += " " + m.name;
        if (!m.taints.empty())
            out += "(" + m.taints + ")";
    }
    return out;
}

void print_cpu_line(const TaskIdentity &task) {
    printk(KERN_WARNING "CPU: 0 PID: %ld Comm: %s %s %s #1\n", task.pid, task.comm.c_str(),
           taint_string().c_str(), LKMFS_UTS_RELEASE);
    printk(KERN_WARNING "Hardware name: lkmfs userspace kernel sandbox\n");
}

// RIP (the reporting call site) and the callers above it, up to where the thread entered
// the C library (its start routine); frames without a name are left out.
void print_trace(std::uintptr_t site, const std::vector<std::uintptr_t> &frames) {
    printk(KERN_WARNING "RIP: 0010:%s\n", symbolize(site).c_str());
    printk(KERN_WARNING "Call Trace:\n");
    printk(KERN_WARNING " <TASK>\n");
    std::size_t first = 0;
    while (first < frames.size() && frames[first] != site)
        ++first;
    for (std::size_t i = first + 1; i < frames.size(); ++i) {
        if (in_c_library(frames[i]))
            break;
        std::string name = symbolize(frames[i]);
        if (name.rfind("0x", 0) != 0) // a library's internals (libfuse): nothing to name
            printk(KERN_WARNING " %s\n", name.c_str());
    }
    printk(KERN_WARNING " </TASK>\n");
}

// Reports do not interleave with one another.
std::mutex &report_mutex() {
    static std::mutex mutex;
    return mutex;
}

void warn_report(const char *file, int line, const char *func, unsigned taint, std::uintptr_t site,
                 const char *fmt, va_list *args) {
    std::vector<std::uintptr_t> frames = capture_stack(kMaxFrames);
    TaskIdentity task = current_identity();
    {
        std::lock_guard lock(report_mutex());
        printk(KERN_WARNING "------------[ cut here ]------------\n");
        if (fmt != nullptr)
            vprintk(fmt, *args);
        std::string where = symbolize(site);
        if (where.rfind("0x", 0) == 0 && func != nullptr)
            where = func;
        printk(KERN_WARNING "WARNING: CPU: 0 PID: %ld at %s:%d %s\n", task.pid, file, line,
               where.c_str());
        printk(KERN_WARNING "%s\n", modules_linked_in().c_str());
        print_cpu_line(task);
        print_trace(site, frames);
        printk(KERN_WARNING "---[ end trace 0000000000000000 ]---\n");
    }
    if (taint < kTaintFlagsCount)
        add_taint(taint);
}

} // namespace

OopsBoundary::OopsBoundary() {
    ++t_oops_boundaries;
}

OopsBoundary::~OopsBoundary() {
    --t_oops_boundaries;
}

bool OopsBoundary::active() {
    return t_oops_boundaries > 0;
}

} // namespace lkmfs::kernel

using namespace lkmfs::kernel;

extern "C" void __lkmfs_warn(const char *file, int line, const char *func, unsigned taint,
                             const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    warn_report(file, line, func, taint,
                reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)), fmt, &args);
    va_end(args);
}

extern "C" void __lkmfs_warn_on(const char *file, int line, const char *func, unsigned taint) {
    warn_report(file, line, func, taint,
                reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)), nullptr, nullptr);
}

extern "C" void __lkmfs_bug(const char *file, int line, const char *func) {
    auto site = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
    std::vector<std::uintptr_t> frames = capture_stack(kMaxFrames);
    TaskIdentity task = current_identity();
    {
        std::lock_guard lock(report_mutex());
        printk(KERN_WARNING "------------[ cut here ]------------\n");
        printk(KERN_CRIT "kernel BUG at %s:%d!\n", file, line);
        printk(KERN_WARNING "invalid opcode: 0000 [#%d] PREEMPT SMP NOPTI\n",
               g_die_counter.fetch_add(1) + 1);
        print_cpu_line(task);
        print_trace(site, frames);
        printk(KERN_WARNING "%s\n", modules_linked_in().c_str());
        printk(KERN_WARNING "---[ end trace 0000000000000000 ]---\n");
    }
    add_taint(kTaintDie);
    if (OopsBoundary::active())
        throw KernelOops();
    // Nowhere to return to: the caller's code after BUG() must not run.
    printk(KERN_EMERG "lkmfs: BUG() in %s outside a contained call: stopping the daemon\n",
           func != nullptr ? func : "?");
    std::abort();
}
