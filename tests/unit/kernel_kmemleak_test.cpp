// kmemleak's per-object report (fsd/kernel/kmemleak.cpp) and KASAN-style allocation and
// free tracks under a bad kfree's report (slab.cpp), against Linux 6.1's mm/kmemleak.c
// print_unreferenced() and mm/kasan/report.c shapes.
// <regex> first: the kernel headers' macros (__init...) clash with its internals.
#include <regex>

#include "kernel/exec_context.h"
#include "kernel/kmemleak.h"
#include "kernel/loaded_module.h"
#include "kernel/slab_registry.h"
#include "kernel_log_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include <linux/slab.h>
#include <linux/vmalloc.h>

// Stand-ins for a module's functions: C names, so the backtrace names them as it would a
// module's (the test's own C++ functions are in lkmfs::, which reports leave out).
extern "C" noinline void *kml_unit_alloc(size_t size) {
    void *p = kmalloc(size, GFP_KERNEL);
    asm volatile("" ::: "memory"); // not a tail call: this frame stays on the stack
    return p;
}
extern "C" noinline void *kml_unit_valloc(size_t size) {
    void *p = vmalloc(size);
    asm volatile("" ::: "memory");
    return p;
}
extern "C" noinline void kml_unit_free(const void *p) {
    kfree(p);
    asm volatile("" ::: "memory");
}

namespace lkmfs::kernel {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class KernelKmemleakTest : public KernelLogTest {
  protected:
    void TearDown() override { set_kmemleak_enabled(true); }
    LoadedModule module_{"kml_unit", "test", ModuleImage{}};
};

TEST_F(KernelKmemleakTest, ReportsEachObjectWithSizeTaskHexDumpAndBacktrace) {
    char *a = nullptr;
    void *b = nullptr;
    {
        ModuleScope scope(&module_);
        a = static_cast<char *>(kml_unit_alloc(64));
        std::strcpy(a, "kmemleak: hello from a leaky module");
        b = kml_unit_valloc(5000);
        std::memset(b, 0, 16);
    }
    report_leaks("kml_unit", objects_charged_to(module_.alloc_stats()));
    std::string log = log_since_start();

    char line[64];
    std::snprintf(line, sizeof line, "kmemleak: unreferenced object 0x%08lx (size 64):",
                  reinterpret_cast<unsigned long>(a));
    EXPECT_THAT(log, HasSubstr(line)) << log;
    std::snprintf(line, sizeof line, "kmemleak: unreferenced object 0x%08lx (size 5000):",
                  reinterpret_cast<unsigned long>(b));
    EXPECT_THAT(log, HasSubstr(line)) << log;
    EXPECT_TRUE(std::regex_search(
        log,
        std::regex(
            R"(kmemleak:   comm "[^"]*", pid [0-9]+, jiffies [0-9]+ \(age [0-9]+\.[0-9]{3}s\))")))
        << log;
    EXPECT_THAT(log, HasSubstr("kmemleak:   hex dump (first 32 bytes):\n"
                               "    6b 6d 65 6d 6c 65 61 6b 3a 20 68 65 6c 6c 6f 20  "
                               "kmemleak: hello \n"
                               "    66 72 6f 6d 20 61 20 6c 65 61 6b 79 20 6d 6f 64  "
                               "from a leaky mod\n"))
        << log;
    EXPECT_THAT(log, HasSubstr("kmemleak:   backtrace:\n"));
    // The allocator's entry point, then the caller: "[<00007f...>] kmalloc+0x../0x.."
    EXPECT_TRUE(std::regex_search(
        log,
        std::regex(R"(kmemleak:     \[<[0-9a-f]{16}>\] kmalloc\+0x[0-9a-f]+/0x[0-9a-f]+\n)"
                   R"(kmemleak:     \[<[0-9a-f]{16}>\] kml_unit_alloc\+0x[0-9a-f]+/0x[0-9a-f]+)")))
        << log;
    EXPECT_TRUE(std::regex_search(
        log, std::regex(R"(\] vmalloc\+0x[0-9a-f]+/0x[0-9a-f]+\n.*\] kml_unit_valloc\+)")))
        << log;
    EXPECT_THAT(log, Not(HasSubstr("lkmfs::"))) << "the allocator's own frames are left out";
    EXPECT_THAT(log, HasSubstr("kmemleak: 2 new suspected memory leaks")) << log;
    // Oldest first: the kmalloc'd object before the vmalloc'd one.
    EXPECT_LT(log.find("(size 64)"), log.find("(size 5000)"));
    kfree(a);
    vfree(b);
}

TEST_F(KernelKmemleakTest, ShowsAtMostTenObjectsAndCountsThemAll) {
    std::vector<void *> objects;
    {
        ModuleScope scope(&module_);
        for (int i = 0; i < 13; ++i)
            objects.push_back(kml_unit_alloc(16));
    }
    report_leaks("kml_unit", objects_charged_to(module_.alloc_stats()));
    std::string log = log_since_start();
    std::size_t shown = 0;
    for (std::size_t pos = 0; (pos = log.find("unreferenced object 0x", pos)) != std::string::npos;
         ++pos)
        ++shown;
    EXPECT_EQ(shown, kMaxLeaksReported);
    EXPECT_THAT(log, HasSubstr("kmemleak: 3 more unreferenced object(s) of kml_unit not shown"));
    EXPECT_THAT(log, HasSubstr("kmemleak: 13 new suspected memory leaks")) << log;
    EXPECT_THAT(log, HasSubstr("  hex dump (first 16 bytes):")) << "no more than the object";
    for (void *p : objects)
        kfree(p);
}

TEST_F(KernelKmemleakTest, OffRecordsNoBacktraceAndReportsWithoutOne) {
    set_kmemleak_enabled(false);
    void *p = nullptr;
    {
        ModuleScope scope(&module_);
        p = kml_unit_alloc(8);
    }
    auto objects = objects_charged_to(module_.alloc_stats());
    ASSERT_EQ(objects.size(), 1u);
    EXPECT_FALSE(objects[0].tracked);
    EXPECT_EQ(objects[0].track.depth, 0);
    kfree(p);
}

TEST_F(KernelKmemleakTest, DoubleKfreeShowsWhereAllocatedAndFreed) {
    void *p = nullptr;
    {
        ModuleScope scope(&module_);
        p = kml_unit_alloc(48);
        kml_unit_free(p);
        kml_unit_free(p); // a module bug: reported, nothing corrupted
    }
    std::string log = log_since_start();
    EXPECT_THAT(log, HasSubstr("double free")) << log;
    EXPECT_TRUE(std::regex_search(
        log, std::regex(R"(Allocated by task [0-9]+:\n kmalloc\+0x[0-9a-f]+/0x[0-9a-f]+\n)"
                        R"( kml_unit_alloc\+0x[0-9a-f]+/0x[0-9a-f]+\n)")))
        << log;
    EXPECT_TRUE(std::regex_search(
        log, std::regex(R"(Freed by task [0-9]+:\n kml_unit_free\+0x[0-9a-f]+/0x[0-9a-f]+\n)")))
        << log;
    EXPECT_EQ(module_.alloc_stats()->live_objects.load(), 0u);
}

TEST_F(KernelKmemleakTest, FreeingWithTheWrongAllocatorShowsWhereItWasAllocated) {
    void *p = nullptr;
    {
        ModuleScope scope(&module_);
        p = kml_unit_alloc(32);
        vfree(p);
    }
    std::string log = log_since_start();
    EXPECT_THAT(log, HasSubstr("the object was allocated with kmalloc; left allocated"));
    EXPECT_THAT(log, HasSubstr(" kml_unit_alloc+")) << log;
    kfree(p);
}

} // namespace
} // namespace lkmfs::kernel
