#include "oops_report.h"

#include "cxx_exceptions.h"
#include "exec_context.h"
#include "kernel.h"
#include "stack_trace.h"
#include "taint.h"
#include "user_window.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include <linux/printk.h>

namespace lkmfs::kernel {

namespace {

std::atomic<int> g_die_counter{0};

constexpr std::uintptr_t kPageSize = 4096;

// x86 page-fault error code bits (arch/x86/include/asm/trap_pf.h).
constexpr unsigned long kPfProt = 1 << 0;
constexpr unsigned long kPfWrite = 1 << 1;
constexpr unsigned long kPfUser = 1 << 2;
constexpr unsigned long kPfInstr = 1 << 4;

void print_page_fault_header(const FaultRecord &f, unsigned long error_code) {
    if (f.address < kPageSize)
        printk(KERN_ALERT "BUG: kernel NULL pointer dereference, address: %016lx\n",
               static_cast<unsigned long>(f.address));
    else
        printk(KERN_ALERT "BUG: unable to handle page fault for address: %016lx\n",
               static_cast<unsigned long>(f.address));
    const char *access = (error_code & kPfInstr)   ? "instruction fetch"
                         : (error_code & kPfWrite) ? "write access"
                                                   : "read access";
    printk(KERN_ALERT "#PF: supervisor %s in kernel mode\n", access);
    printk(KERN_ALERT "#PF: error_code(0x%04lx) - %s\n", error_code,
           (error_code & kPfProt) ? "permissions violation" : "not-present page");
}

// After the report of a fault at a user address (a slot of the reserved window that
// handlers get for the caller's buffer): what the address was, since Linux's report alone
// does not say that only the user-copy functions may touch it.
void print_user_access_note(std::uintptr_t address, const UserAddressInfo &user, const char *what) {
    const UserWindow &own = exec_context().user;
    auto a = static_cast<unsigned long>(address);
    bool this_call = user.mapped && own.address != 0 && address >= own.address &&
                     address - own.address < own.size;
    if (this_call)
        printk(KERN_WARNING "lkmfs: %016lx is user memory: byte %zu of the %zu-byte buffer of "
                            "this %s; module code may touch it only through copy_to_user(), "
                            "copy_from_user(), get_user(), put_user() and the like (SMAP)\n",
               a, user.offset, user.size, what);
    else if (user.mapped)
        printk(KERN_WARNING "lkmfs: %016lx is user memory of another task's call, never "
                            "reachable from this one\n",
               a);
    else
        printk(KERN_WARNING "lkmfs: %016lx is user memory outside the buffer of this call "
                            "(past its end, or kept from a call that ended)\n",
               a);
}

// The first frame that is neither the fault handler's nor the C/C++ runtime's: for an
// abort(), the code that called it (or std::terminate()). Frames: the handler, the signal
// trampoline (the C library), then the interrupted chain.
std::uintptr_t first_outside_runtime(const std::uintptr_t *frames, int count) {
    int i = 0;
    while (i < count && !in_c_library(frames[i]))
        ++i;
    while (i < count && in_runtime_library(frames[i]))
        ++i;
    return i < count ? frames[i] : 0;
}

} // namespace

TaskIdentity current_identity() {
    const task_struct *t = get_current();
    if (t->pid != 0)
        return {static_cast<long>(t->pid), t->comm};
    return {static_cast<long>(::syscall(SYS_gettid)), t->comm};
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

void print_trace(std::uintptr_t site, const std::uintptr_t *frames, std::size_t count,
                 bool site_is_exact) {
    std::string rip = site_is_exact ? symbolize_instruction(site) : symbolize(site);
    printk(KERN_WARNING "RIP: 0010:%s\n", rip.c_str());
    printk(KERN_WARNING "Call Trace:\n");
    printk(KERN_WARNING " <TASK>\n");
    // The callers of `site`: the frames after it. Without it among them (a fault), after
    // the signal frame: the first C library frame, the handler's return trampoline.
    std::size_t first = 0;
    while (first < count && frames[first] != site)
        ++first;
    if (first == count) {
        first = 0;
        while (first < count && !in_c_library(frames[first]))
            ++first;
    }
    ++first;
    std::string previous;
    for (std::size_t i = first; i < count; ++i) {
        if (in_c_library(frames[i]))
            break;
        if (frames[i] == site)
            continue;
        std::string name = symbolize(frames[i]);
        if (name.rfind("0x", 0) == 0) // a library's internals (libfuse): nothing to name
            continue;
        // The oops boundary's own frames, and a lambda's frame named as the function that
        // holds it, tell a student nothing.
        std::string function = name.substr(0, name.find('+'));
        if (function.find("run_contained") != std::string::npos || function == previous)
            continue;
        // Nor do the inside of the C++ and Boost libraries the daemon's threads run on.
        auto from_library = [&](std::string_view prefix) {
            return function.starts_with(prefix) ||
                   function.starts_with("void " + std::string(prefix));
        };
        if (from_library("std::") || from_library("boost::") || from_library("boost_asio"))
            continue;
        previous = function;
        printk(KERN_WARNING " %s\n", name.c_str());
    }
    printk(KERN_WARNING " </TASK>\n");
}

std::mutex &report_mutex() {
    static std::mutex mutex;
    return mutex;
}

int next_die_number() {
    return g_die_counter.fetch_add(1) + 1;
}

void report_fault(const FaultRecord &f, const char *what) {
    TaskIdentity task = current_identity();
    std::lock_guard lock(report_mutex());
    int die = next_die_number();
    unsigned long error_code = f.error_code & ~kPfUser; // the module ran "in the kernel"
    // A supervisor access to user memory, as with SMAP: in Linux the page of a live user
    // buffer is present, and the fault is a protection violation; here the reserved window
    // is never mapped, so the error code says not-present unless the address is in one.
    UserAddressInfo user =
        f.signal == SIGSEGV ? describe_user_address(f.address) : UserAddressInfo{};
    if (user.mapped)
        error_code |= kPfProt;
    switch (f.signal) {
    case SIGSEGV:
        if (f.code == SI_KERNEL) // x86: a general protection fault (non-canonical address)
            printk(KERN_WARNING "general protection fault, probably for non-canonical address "
                                "0x%lx: 0000 [#%d] PREEMPT SMP NOPTI\n",
                   static_cast<unsigned long>(f.address), die);
        else {
            print_page_fault_header(f, error_code);
            printk(KERN_WARNING "Oops: %04lx [#%d] PREEMPT SMP NOPTI\n", error_code, die);
        }
        break;
    case SIGFPE:
        printk(KERN_WARNING "divide error: 0000 [#%d] PREEMPT SMP NOPTI\n", die);
        break;
    case SIGILL:
        printk(KERN_WARNING "invalid opcode: 0000 [#%d] PREEMPT SMP NOPTI\n", die);
        break;
    case SIGABRT:
        // Linux has no abort(); the nearest is BUG(): the task dies with "invalid opcode".
        printk(KERN_WARNING "------------[ cut here ]------------\n");
        printk(KERN_CRIT "kernel BUG: abort() called in module code\n");
        printk(KERN_WARNING "invalid opcode: 0000 [#%d] PREEMPT SMP NOPTI\n", die);
        break;
    default: // SIGBUS
        printk(KERN_WARNING "general protection fault: 0000 [#%d] PREEMPT SMP NOPTI\n", die);
        break;
    }
    print_cpu_line(task);
    if (f.signal == SIGABRT) // the signal came from inside the C library: name its caller
        print_trace(first_outside_runtime(f.frames.data(), f.frame_count), f.frames.data(),
                    static_cast<std::size_t>(f.frame_count));
    else
        print_trace(f.ip, f.frames.data(), static_cast<std::size_t>(f.frame_count), true);
    printk(KERN_WARNING "%s\n", modules_linked_in().c_str());
    if (f.signal == SIGSEGV && f.code != SI_KERNEL)
        printk(KERN_WARNING "CR2: %016lx\n", static_cast<unsigned long>(f.address));
    printk(KERN_WARNING "---[ end trace 0000000000000000 ]---\n");
    if (user.in_window)
        print_user_access_note(f.address, user, what);
    printk(KERN_WARNING "lkmfs: the oops ended %s of %s[%ld]; the daemon goes on\n", what,
           task.comm.c_str(), task.pid);
}

void report_exception(const EscapedException &e, const char *what) {
    TaskIdentity task = current_identity();
    std::lock_guard lock(report_mutex());
    printk(KERN_WARNING "------------[ cut here ]------------\n");
    if (e.what.empty())
        printk(KERN_CRIT "kernel BUG: C++ exception %s escaped from module code\n", e.type.c_str());
    else
        printk(KERN_CRIT "kernel BUG: C++ exception %s escaped from module code: %s\n",
               e.type.c_str(), e.what.c_str());
    printk(KERN_WARNING "invalid opcode: 0000 [#%d] PREEMPT SMP NOPTI\n", next_die_number());
    print_cpu_line(task);
    // The thrower: the first frame outside the runtime (a throw from inside the standard
    // library, such as vector::at(), names the module code calling it).
    std::uintptr_t site = 0;
    for (int i = 0; i < e.frame_count && site == 0; ++i)
        if (!in_runtime_library(e.frames[i]))
            site = e.frames[i];
    if (site != 0)
        print_trace(site, e.frames.data(), static_cast<std::size_t>(e.frame_count));
    else
        printk(KERN_WARNING "RIP: 0010:(the throw was not seen)\n");
    printk(KERN_WARNING "%s\n", modules_linked_in().c_str());
    printk(KERN_WARNING "---[ end trace 0000000000000000 ]---\n");
    printk(KERN_WARNING "lkmfs: the oops ended %s of %s[%ld]; the daemon goes on\n", what,
           task.comm.c_str(), task.pid);
}

} // namespace lkmfs::kernel
