// Allocation tracks and kmemleak's leak report (kmemleak.h). A track is taken with glibc's
// backtrace() into a fixed array: no allocation, no symbolization at kmalloc time; names
// are looked up only when a report prints them.
#include "kmemleak.h"

#include "stack_trace.h"

#include <execinfo.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <linux/jiffies.h>
#include <linux/printk.h>
#include <linux/sched.h>

namespace lkmfs::kernel {

namespace {

std::atomic<bool> g_kmemleak{true};

pid_t thread_id() {
    thread_local const pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
    return tid;
}

// The function part of "func+0x12/0x40 [mod]".
std::string_view function_of(std::string_view symbol) {
    return symbol.substr(0, symbol.find('+'));
}

// The daemon's own plumbing between a module and the allocator, or around the module's
// call (the registry, the scopes, the standard library): not what the author wrote.
bool is_plumbing(std::string_view function) {
    auto starts = [&](std::string_view prefix) {
        return function.starts_with(prefix) ||
               (function.starts_with("void ") && function.substr(5).starts_with(prefix));
    };
    return starts("lkmfs::") || starts("(anonymous namespace)") || starts("std::") ||
           starts("boost::") || function.find("run_contained") != std::string_view::npos;
}

// "    [<00007f3a5c0040a0>] kleak_init+0x1e/0x60 [kleak]"
void print_frame(const char *indent, std::uintptr_t frame) {
    printk(KERN_WARNING "kmemleak: %s[<%016lx>] %s\n", indent, static_cast<unsigned long>(frame),
           symbolize(frame).c_str());
}

// print_hex_dump(..., DUMP_PREFIX_NONE, 16, 1, buf, len, true) with kmemleak's indent:
// "    6b 6c 65 61 6b 00 ...  kleak..."
void print_hex_rows(const unsigned char *bytes, std::size_t len) {
    constexpr std::size_t kRow = 16;
    constexpr std::size_t kAsciiColumn = kRow * 3 + 1; // where hex_dump_to_buffer puts it
    for (std::size_t row = 0; row < len; row += kRow) {
        std::size_t n = std::min(kRow, len - row);
        std::string line;
        char hex[4];
        for (std::size_t i = 0; i < n; ++i) {
            std::snprintf(hex, sizeof hex, i + 1 < n ? "%02x " : "%02x", bytes[row + i]);
            line += hex;
        }
        line.resize(kAsciiColumn, ' ');
        for (std::size_t i = 0; i < n; ++i) {
            unsigned char c = bytes[row + i];
            line += (c < 0x80 && std::isprint(c)) ? static_cast<char>(c) : '.';
        }
        printk(KERN_WARNING "    %s\n", line.c_str());
    }
}

void print_object(const LeakedObject &object, std::chrono::steady_clock::time_point now) {
    printk(KERN_WARNING "kmemleak: unreferenced object 0x%08lx (size %zu):\n",
           static_cast<unsigned long>(object.address), object.size);
    if (object.tracked) {
        auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - object.track.when);
        long ms = static_cast<long>(age.count());
        printk(KERN_WARNING "kmemleak:   comm \"%s\", pid %d, jiffies %lu (age %ld.%03lds)\n",
               object.track.comm, object.track.pid, object.track.jiffies, ms / 1000, ms % 1000);
    }
    std::size_t shown = std::min(object.size, object.head.size());
    printk(KERN_WARNING "kmemleak:   hex dump (first %zu bytes):\n", shown);
    print_hex_rows(object.head.data(), shown);
    if (!object.tracked)
        return;
    printk(KERN_WARNING "kmemleak:   backtrace:\n");
    for (std::uintptr_t frame : report_frames(object.track))
        print_frame("    ", frame);
}

} // namespace

void set_kmemleak_enabled(bool on) {
    g_kmemleak.store(on, std::memory_order_relaxed);
}

bool kmemleak_enabled() {
    return g_kmemleak.load(std::memory_order_relaxed);
}

namespace {

void record_task(AllocTrack *out) {
    const task_struct *task = get_current();
    out->pid = task->pid != 0 ? task->pid : thread_id();
    std::memcpy(out->comm, task->comm, sizeof out->comm);
    out->comm[sizeof out->comm - 1] = '\0';
    out->jiffies = jiffies;
    out->when = std::chrono::steady_clock::now();
}

} // namespace

void record_track(AllocTrack *out) {
    out->depth = static_cast<std::uint8_t>(
        ::backtrace(reinterpret_cast<void **>(out->frames.data()), AllocTrack::kDepth));
    record_task(out);
}

void record_caller(AllocTrack *out, const void *return_address) {
    out->frames[0] = reinterpret_cast<std::uintptr_t>(return_address);
    out->depth = 1;
    record_task(out);
}

std::vector<std::uintptr_t> report_frames(const AllocTrack &track) {
    std::vector<std::uintptr_t> out;
    std::string previous;
    for (std::size_t i = 0; i < track.depth; ++i) {
        std::uintptr_t frame = track.frames[i];
        if (in_c_library(frame))
            break;
        if (in_sanitizer_runtime(frame)) // backtrace()'s interceptor in a sanitizer build
            continue;
        std::string name = symbolize(frame);
        if (name.starts_with("0x")) // a library's internals: nothing to name
            continue;
        std::string function(function_of(name));
        if (is_plumbing(function) || function == previous)
            continue;
        previous = function;
        out.push_back(frame);
    }
    return out;
}

void print_track(const char *title, const AllocTrack &track) {
    printk(KERN_ERR "%s by task %d:\n", title, track.pid);
    for (std::uintptr_t frame : report_frames(track))
        printk(KERN_ERR " %s\n", symbolize(frame).c_str());
}

void report_leaks(const std::string &module, std::vector<LeakedObject> objects) {
    if (objects.empty())
        return;
    std::stable_sort(objects.begin(), objects.end(),
                     [](const auto &a, const auto &b) { return a.track.when < b.track.when; });
    auto now = std::chrono::steady_clock::now();
    std::size_t shown = std::min(objects.size(), kMaxLeaksReported);
    for (std::size_t i = 0; i < shown; ++i)
        print_object(objects[i], now);
    if (shown < objects.size())
        printk(KERN_WARNING "kmemleak: %zu more unreferenced object(s) of %s not shown\n",
               objects.size() - shown, module.c_str());
    printk(KERN_INFO "kmemleak: %zu new suspected memory leaks (left allocated by %s at "
                     "unload)\n",
           objects.size(), module.c_str());
}

} // namespace lkmfs::kernel
