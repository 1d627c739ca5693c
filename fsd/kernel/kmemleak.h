// kmemleak and KASAN's allocation tracks: where, when and by which task each object was
// allocated (a few return addresses, taken cheaply at kmalloc time), and the reports that
// print them: "unreferenced object ..." for what a module leaves allocated at rmmod,
// "Allocated by task N:" / "Freed by task N:" under a bad kfree's report.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace lkmfs::kernel {

// Whether allocations record their backtrace and rmmod reports leaked objects one by one
// (config `debug: kmemleak:`); set by the Kernel from KernelOptions::kmemleak.
void set_kmemleak_enabled(bool on);
bool kmemleak_enabled();

// Where and when an object was allocated (or freed), as kmemleak and KASAN record it.
struct AllocTrack {
    // Raw frames: the allocator's own two or three are dropped when printed, which leaves
    // the allocating function and several of its callers. Each frame costs a few hundred
    // nanoseconds to unwind.
    static constexpr int kDepth = 10;
    std::array<std::uintptr_t, kDepth> frames{};
    std::uint8_t depth = 0;
    pid_t pid = 0;
    char comm[16]{};
    unsigned long jiffies = 0;
    std::chrono::steady_clock::time_point when{};
};

// The calling task and its stack, now. Costs one unwind of a few frames.
void record_track(AllocTrack *out);
// The calling task and one frame, `return_address` (the API function's caller): what a
// free records, at no unwinding cost.
void record_caller(AllocTrack *out, const void *return_address);

// Keeps the calling function's frame on the stack (its last call is then not a tail call),
// so that a backtrace taken below names it: kmalloc, not only kmalloc's caller.
inline void keep_frame() {
    asm volatile("" ::: "memory");
}

// An object still charged to a module at its unload: what the report shows of it.
struct LeakedObject {
    std::uintptr_t address = 0;
    std::size_t size = 0;
    std::array<unsigned char, 32> head{}; // the first bytes (kmemleak's hex dump)
    AllocTrack track;
    bool tracked = false; // allocated while kmemleak was on
};

// At most this many objects are printed one by one; the summary counts them all.
inline constexpr std::size_t kMaxLeaksReported = 10;

// Prints kmemleak's report for the objects module `module` left allocated, oldest first
// ("unreferenced object 0x... (size N):", comm/pid/jiffies/age, hex dump, backtrace), then
// "kmemleak: N new suspected memory leaks".
void report_leaks(const std::string &module, std::vector<LeakedObject> objects);

// KASAN's "Allocated by task 1234:" / "Freed by task 1234:" and the symbolized stack.
void print_track(const char *title, const AllocTrack &track);

// The frames of `track` worth printing: from the allocator's entry point (kmalloc,
// vmalloc, kmem_cache_alloc...) outwards, without the daemon's own plumbing.
std::vector<std::uintptr_t> report_frames(const AllocTrack &track);

} // namespace lkmfs::kernel
