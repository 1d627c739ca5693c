// WARN() and BUG() (<linux/bug.h>): the reports of Linux 6.1's kernel/panic.c __warn() and
// the x86 oops, printed to the kernel log line by line, with the call chain symbolized.
#include "exec_context.h"
#include "kernel.h"
#include "oops.h"
#include "oops_report.h"
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
        print_trace(site, frames.data(), frames.size());
        printk(KERN_WARNING "---[ end trace 0000000000000000 ]---\n");
    }
    if (taint < kTaintFlagsCount)
        add_taint(taint);
}

} // namespace

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
    {
        // Scoped: oops_unwind() below jumps past this frame without running destructors,
        // so nothing that owns memory may still be alive when it is called.
        std::vector<std::uintptr_t> frames = capture_stack(kMaxFrames);
        TaskIdentity task = current_identity();
        std::lock_guard lock(report_mutex());
        printk(KERN_WARNING "------------[ cut here ]------------\n");
        printk(KERN_CRIT "kernel BUG at %s:%d!\n", file, line);
        printk(KERN_WARNING "invalid opcode: 0000 [#%d] PREEMPT SMP NOPTI\n", next_die_number());
        print_cpu_line(task);
        print_trace(site, frames.data(), frames.size());
        printk(KERN_WARNING "%s\n", modules_linked_in().c_str());
        printk(KERN_WARNING "---[ end trace 0000000000000000 ]---\n");
    }
    add_taint(kTaintDie);
    if (in_oops_boundary())
        oops_unwind(); // the call that hit BUG() ends here
    // Nowhere to return to: the caller's code after BUG() must not run.
    printk(KERN_EMERG "lkmfs: BUG() in %s outside a contained call: stopping the daemon\n",
           func != nullptr ? func : "?");
    std::abort();
}
