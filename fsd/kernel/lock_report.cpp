#include "lock_report.h"

#include "stack_trace.h"

#include <cstdio>
#include <string_view>

#include <linux/printk.h>

namespace lkmfs::kernel {

namespace {

constexpr int kMaxFrames = 48;

bool is_read(LockKind kind) {
    return kind == LockKind::RwlockRead || kind == LockKind::RwsemRead;
}

bool is_sleeping(LockKind kind) {
    return kind == LockKind::Mutex || kind == LockKind::RwsemRead || kind == LockKind::RwsemWrite;
}

std::string function_of(const std::string &symbol) {
    return symbol.substr(0, symbol.find('+'));
}

bool starts_with(const std::string &function, std::string_view prefix) {
    return function.starts_with(prefix) || function.starts_with("void " + std::string(prefix));
}

// The checks' own frames, above the kernel function the module called.
bool is_check_internal(const std::string &function) {
    return starts_with(function, "lkmfs::kernel::") ||
           starts_with(function, "(anonymous namespace)");
}

// Frames a student learns nothing from: the oops boundary, the C++ and Boost libraries
// the daemon's threads run on.
bool is_library(const std::string &function) {
    return starts_with(function, "std::") || starts_with(function, "boost::") ||
           starts_with(function, "boost_asio") ||
           function.find("run_contained") != std::string::npos;
}

} // namespace

std::string lock_class_name(const lockdep_map *map, unsigned subclass) {
    std::string name = map->name != nullptr ? map->name : "(null)";
    if (subclass != 0)
        name += "/" + std::to_string(subclass);
    return name;
}

std::string lock_class_label(const std::string &name, const HeldLock &how) {
    // Four columns, as Linux: hardirq write/read, softirq write/read. '+': taken with
    // them enabled, '-': taken in that context, '.': neither.
    char usage[5] = {'.', '.', '.', '.', '\0'};
    int column = is_read(how.kind) ? 1 : 0;
    usage[column] = how.irqs_enabled ? '+' : '.';
    usage[column + 2] = how.in_softirq ? '-' : how.softirqs_enabled ? '+' : '.';
    int wait = is_sleeping(how.kind) ? 3 : 2;
    return "(" + name + "){" + usage + "}-{" + std::to_string(wait) + ":" + std::to_string(wait) +
           "}";
}

std::string describe_held_lock(const HeldLock &h) {
    char address[32];
    std::snprintf(address, sizeof address, "%016lx", reinterpret_cast<unsigned long>(h.map));
    return std::string(address) + " " + lock_class_label(lock_class_name(h.map, h.subclass), h) +
           ", at: " + symbolize(reinterpret_cast<std::uintptr_t>(h.acquired_at));
}

void print_held_locks(const char *level, const TaskIdentity &task) {
    std::span<const HeldLock> held = held_locks();
    if (held.empty()) {
        printk("%sno locks held by %s/%ld.\n", level, task.comm.c_str(), task.pid);
        return;
    }
    printk("%s%zu lock%s held by %s/%ld:\n", level, held.size(), held.size() > 1 ? "s" : "",
           task.comm.c_str(), task.pid);
    for (std::size_t i = 0; i < held.size(); ++i)
        printk("%s #%zu: %s\n", level, i, describe_held_lock(held[i]).c_str());
}

std::vector<std::uintptr_t> capture_report_stack(const void *caller) {
    std::vector<std::uintptr_t> frames = capture_stack(kMaxFrames);
    std::size_t first = 0;
    while (first < frames.size() && is_check_internal(function_of(symbolize(frames[first]))))
        ++first;
    // A lock function that tail-called the check leaves no frame of its own, and code that
    // calls it may itself be in the daemon's namespace (a unit test): never skip the caller.
    for (std::size_t i = 0; caller != nullptr && i < first; ++i)
        if (frames[i] == reinterpret_cast<std::uintptr_t>(caller))
            first = i;
    frames.erase(frames.begin(), frames.begin() + static_cast<std::ptrdiff_t>(first));
    return frames;
}

void print_stack_entries(const char *level, const std::vector<std::uintptr_t> &frames,
                         const char *indent) {
    std::string previous;
    for (std::uintptr_t frame : frames) {
        if (in_c_library(frame))
            break;
        std::string name = symbolize(frame);
        if (name.rfind("0x", 0) == 0) // a library's internals (libfuse): nothing to name
            continue;
        std::string function = function_of(name);
        if (is_library(function) || function == previous)
            continue;
        previous = function;
        printk("%s%s%s\n", level, indent, name.c_str());
    }
}

void dump_stack_report(const char *level, const std::vector<std::uintptr_t> &frames,
                       const TaskIdentity &task) {
    print_cpu_line(task);
    printk("%sCall Trace:\n", level);
    printk("%s <TASK>\n", level);
    print_stack_entries(level, frames, " ");
    printk("%s </TASK>\n", level);
}

std::string ip_sym(const void *ip) {
    char address[40];
    std::snprintf(address, sizeof address, "[<%016lx>] ", reinterpret_cast<unsigned long>(ip));
    return address + symbolize(reinterpret_cast<std::uintptr_t>(ip));
}

} // namespace lkmfs::kernel
