// Per-module accounting of kmalloc'd memory (the core kernel is "kernel").
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

namespace lkmfs::kernel {

struct AllocStats {
    std::string owner;
    std::atomic<std::size_t> live_bytes{0};
    std::atomic<std::size_t> live_objects{0};
    std::atomic<std::size_t> total_allocations{0};
};

// A stats record for `owner`. Records live as long as the process, so an allocation made
// by a module can still be accounted when it is freed after that module is gone.
AllocStats *new_alloc_stats(const std::string &owner);
AllocStats *kernel_alloc_stats();

} // namespace lkmfs::kernel
