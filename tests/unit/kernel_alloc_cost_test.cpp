// What a kmalloc/kfree pair costs with the allocator's bookkeeping (the live-object registry,
// the allocation backtrace kmemleak reports, the fault-injection check): it must stay in
// the low microseconds, so that modules that allocate per request keep their speed.
#include "kernel/exec_context.h"
#include "kernel/fault_inject.h"
#include "kernel/kernel.h"
#include "kernel/kmemleak.h"
#include "kernel/loaded_module.h"

#include <gtest/gtest.h>

#include <ctime>
#include <cstdio>

#include <linux/slab.h>

namespace lkmfs::kernel {
namespace {

// CPU time, not wall time: the machine running the tests may be busy with builds.
double thread_cpu_ns() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// CPU nanoseconds per kmalloc(64)+kfree pair, by a module (what the checks cost is per module).
double pair_cost(LoadedModule *module) {
    constexpr int kPairs = 100000;
    ModuleScope scope(module);
    for (int i = 0; i < 1000; ++i) // warm the registry's table
        kfree(kmalloc(64, GFP_KERNEL));
    double start = thread_cpu_ns();
    for (int i = 0; i < kPairs; ++i) {
        void *p = kmalloc(64, GFP_KERNEL);
        if (p == nullptr)
            return -1;
        kfree(p);
    }
    return (thread_cpu_ns() - start) / kPairs;
}

TEST(KernelAllocCostTest, KmallocKfreePairStaysInTheLowMicroseconds) {
    KernelOptions options;
    options.console_loglevel = 0;
    Kernel kernel(options);
    LoadedModule module("cost", "test", ModuleImage{});

    set_kmemleak_enabled(false);
    double plain = pair_cost(&module);
    set_kmemleak_enabled(true);
    double tracked = pair_cost(&module);
    fault_inject::set("someone_else", fault_inject::Kind::Failslab, fault_inject::Attr{});
    double with_injection_elsewhere = pair_cost(&module);
    fault_inject::clear_all();

    std::printf("kmalloc(64)+kfree per pair: %.0f ns without kmemleak, %.0f ns with it, "
                "%.0f ns with it and fault injection set for another module\n",
                plain, tracked, with_injection_elsewhere);
    RecordProperty("ns_plain", static_cast<int>(plain));
    RecordProperty("ns_kmemleak", static_cast<int>(tracked));
    ASSERT_GT(plain, 0) << "no allocation may fail here";
    ASSERT_GT(tracked, 0);
    ASSERT_GT(with_injection_elsewhere, 0);
    // Generous bounds (CI machines are shared): a few microseconds per pair at most.
    EXPECT_LT(plain, 5000.0);
    EXPECT_LT(tracked, 10000.0);
}

} // namespace
} // namespace lkmfs::kernel
