// Per-module fault injection (fsd/kernel/fault_inject.cpp) against Linux 6.1's
// lib/fault-inject.c (interval, probability, times, space, verbose), mm/failslab.c
// (__GFP_NOFAIL never fails, __GFP_NOWARN fails quietly) and fail_usercopy.
#include "kernel/exec_context.h"
#include "kernel/fault_inject.h"
#include "kernel/loaded_module.h"
#include "kernel_log_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <string>

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

namespace lkmfs::kernel {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fi = fault_inject;

class KernelFaultInjectTest : public KernelLogTest {
  protected:
    void TearDown() override { fi::clear_all(); }

    static fi::Attr every(unsigned long interval, int verbose = 2) {
        fi::Attr a;
        a.interval = interval;
        a.verbose = verbose;
        return a;
    }
    // n kmallocs by the module; which of them failed, as a string of 'x' (NULL) and '.'.
    std::string kmalloc_pattern(int n, gfp_t flags = GFP_KERNEL) {
        ModuleScope scope(&module_);
        std::string out;
        for (int i = 0; i < n; ++i) {
            void *p = kmalloc(32, flags);
            out += p == nullptr ? 'x' : '.';
            kfree(p);
        }
        return out;
    }
    std::size_t count(const std::string &log, const std::string &what) {
        std::size_t n = 0;
        for (std::size_t pos = 0; (pos = log.find(what, pos)) != std::string::npos; ++pos)
            ++n;
        return n;
    }

    LoadedModule module_{"kfi_unit", "test", ModuleImage{}};
};

TEST_F(KernelFaultInjectTest, FailslabFailsEveryIntervalthCallWithLinuxReport) {
    fi::set("kfi_unit", fi::Kind::Failslab, every(2));
    EXPECT_EQ(kmalloc_pattern(6), ".x.x.x");
    std::string log = log_since_start();
    EXPECT_EQ(count(log, "FAULT_INJECTION: forcing a failure.\n"), 3u) << log;
    EXPECT_THAT(log, HasSubstr("name failslab, interval 2, probability 100, space 0, times -1\n"));
    EXPECT_THAT(log, HasSubstr("Call Trace:\n")) << log;
    EXPECT_THAT(log, HasSubstr(" kmalloc+")) << "the trace starts at the allocator:\n" << log;
}

TEST_F(KernelFaultInjectTest, OnlyTheConfiguredModuleFails) {
    fi::set("another", fi::Kind::Failslab, every(1));
    EXPECT_EQ(kmalloc_pattern(3), "...");
    fi::set("kfi_unit", fi::Kind::Failslab, every(1));
    void *core = kmalloc(8, GFP_KERNEL); // the core kernel's own (no module running)
    EXPECT_NE(core, nullptr);
    kfree(core);
    EXPECT_EQ(kmalloc_pattern(2), "xx");
    fi::set("kfi_unit", fi::Kind::Failslab, std::nullopt);
    EXPECT_EQ(kmalloc_pattern(2), "..");
}

TEST_F(KernelFaultInjectTest, TimesLimitsTheFailuresAndCountsDown) {
    fi::Attr a = every(1);
    a.times = 2;
    fi::set("kfi_unit", fi::Kind::Failslab, a);
    EXPECT_EQ(kmalloc_pattern(4), "xx..");
    std::string log = log_since_start();
    EXPECT_THAT(log, HasSubstr("interval 1, probability 100, space 0, times 2\n"));
    EXPECT_THAT(log, HasSubstr("interval 1, probability 100, space 0, times 1\n"));
    EXPECT_EQ(fi::get("kfi_unit", fi::Kind::Failslab)->times, 0);
}

TEST_F(KernelFaultInjectTest, SpaceLetsThatManyBytesThroughFirst) {
    fi::Attr a = every(1);
    a.space = 70; // 32-byte allocations: two pass (70 -> 38 -> 6), then they fail
    fi::set("kfi_unit", fi::Kind::Failslab, a);
    EXPECT_EQ(kmalloc_pattern(4), "..xx");
}

TEST_F(KernelFaultInjectTest, ProbabilityFailsAboutThatShare) {
    fi::Attr a = every(1, 0);
    a.probability = 0;
    fi::set("kfi_unit", fi::Kind::Failslab, a);
    EXPECT_EQ(kmalloc_pattern(50).find('x'), std::string::npos);
    a.probability = 30;
    fi::set("kfi_unit", fi::Kind::Failslab, a);
    std::string pattern = kmalloc_pattern(2000);
    auto failed = static_cast<double>(std::count(pattern.begin(), pattern.end(), 'x'));
    EXPECT_GT(failed, 2000 * 0.22);
    EXPECT_LT(failed, 2000 * 0.38);
    EXPECT_EQ(log_since_start(), "") << "verbose 0 prints nothing";
}

TEST_F(KernelFaultInjectTest, NofailNeverFailsAndNowarnFailsQuietly) {
    fi::set("kfi_unit", fi::Kind::Failslab, every(1));
    EXPECT_EQ(kmalloc_pattern(3, GFP_KERNEL | __GFP_NOFAIL), "...");
    EXPECT_EQ(kmalloc_pattern(3, GFP_KERNEL | __GFP_NOWARN), "xxx");
    EXPECT_THAT(log_since_start(), Not(HasSubstr("FAULT_INJECTION")));
}

TEST_F(KernelFaultInjectTest, VerboseOneReportsWithoutACallTrace) {
    fi::set("kfi_unit", fi::Kind::Failslab, every(1, 1));
    EXPECT_EQ(kmalloc_pattern(1), "x");
    std::string log = log_since_start();
    EXPECT_THAT(log, HasSubstr("FAULT_INJECTION: forcing a failure.\n"));
    EXPECT_THAT(log, Not(HasSubstr("Call Trace:")));
}

TEST_F(KernelFaultInjectTest, ReportsAreRatelimited) {
    fi::set("kfi_unit", fi::Kind::Failslab, every(1, 1));
    EXPECT_EQ(kmalloc_pattern(25), std::string(25, 'x'));
    EXPECT_EQ(count(log_since_start(), "FAULT_INJECTION"), 10u) << "a burst of 10 per 5 s";
}

TEST_F(KernelFaultInjectTest, EveryAllocatorFails) {
    fi::set("kfi_unit", fi::Kind::Failslab, every(1, 0));
    ModuleScope scope(&module_);
    EXPECT_EQ(kzalloc(16, GFP_KERNEL), nullptr);
    EXPECT_EQ(kcalloc(4, 16, GFP_KERNEL), nullptr);
    EXPECT_EQ(kmalloc_array(4, 16, GFP_KERNEL), nullptr);
    EXPECT_EQ(krealloc(nullptr, 16, GFP_KERNEL), nullptr);
    EXPECT_EQ(kstrdup("x", GFP_KERNEL), nullptr);
    EXPECT_EQ(vmalloc(100), nullptr);
    EXPECT_EQ(vzalloc(100), nullptr);
    EXPECT_EQ(kvmalloc(100, GFP_KERNEL), nullptr);
    EXPECT_EQ(kvzalloc(100, GFP_KERNEL), nullptr);
    struct kmem_cache *cache = kmem_cache_create("kfi_cache", 24, 0, 0, nullptr);
    ASSERT_NE(cache, nullptr) << "creating a cache is not an allocation failslab fails";
    EXPECT_EQ(kmem_cache_alloc(cache, GFP_KERNEL), nullptr);
    EXPECT_EQ(kmem_cache_zalloc(cache, GFP_KERNEL), nullptr);
    kmem_cache_destroy(cache);
    EXPECT_EQ(module_.alloc_stats()->live_objects.load(), 0u);
}

TEST_F(KernelFaultInjectTest, KvmallocDecidesOnceForItsCall) {
    fi::set("kfi_unit", fi::Kind::Failslab, every(2, 0));
    ModuleScope scope(&module_);
    std::string pattern;
    for (int i = 0; i < 4; ++i) {
        void *p = kvmalloc(64, GFP_KERNEL);
        pattern += p == nullptr ? 'x' : '.';
        kvfree(p);
    }
    EXPECT_EQ(pattern, ".x.x") << "the kmalloc inside kvmalloc is not counted again";
}

TEST_F(KernelFaultInjectTest, FailUsercopyFailsEveryUserCopy) {
    alignas(16) std::array<char, 64> user{};
    std::array<char, 16> kbuf{};
    kbuf.fill('k');
    fi::set("kfi_unit", fi::Kind::FailUsercopy, every(1, 1));
    UserWindowScope window(user.data(), user.size(), true);
    ModuleScope scope(&module_);
    EXPECT_EQ(copy_to_user(user.data(), kbuf.data(), 16), 16u);
    EXPECT_EQ(user[0], '\0') << "nothing copied";
    user.fill('u');
    EXPECT_EQ(copy_from_user(kbuf.data(), user.data(), 16), 16u);
    EXPECT_EQ(kbuf[0], '\0') << "the destination is zeroed, as Linux zeroes what failed";
    int value = 7;
    EXPECT_EQ(get_user(value, reinterpret_cast<int __user *>(user.data())), -EFAULT);
    EXPECT_EQ(put_user(value, reinterpret_cast<int __user *>(user.data())), -EFAULT);
    EXPECT_EQ(strncpy_from_user(kbuf.data(), user.data(), 8), -EFAULT);
    std::string log = log_since_start();
    EXPECT_EQ(count(log, "FAULT_INJECTION: forcing a failure."), 5u) << log;
    EXPECT_THAT(log, HasSubstr("name fail_usercopy, interval 1, probability 100, space 0, "
                               "times -1"));
    fi::set("kfi_unit", fi::Kind::FailUsercopy, std::nullopt);
    EXPECT_EQ(copy_to_user(user.data(), kbuf.data(), 16), 0u);
}

TEST_F(KernelFaultInjectTest, KernelOptionsSetFaultsAtStart) {
    fi::clear_all();
    EXPECT_TRUE(fi::all().empty());
    fi::set("kfi_unit", fi::Kind::Failslab, every(3));
    ASSERT_EQ(fi::all().size(), 1u);
    EXPECT_EQ(fi::all()[0].module, "kfi_unit");
    EXPECT_EQ(fi::all()[0].attr.interval, 3u);
    EXPECT_EQ(std::string(fi::kind_name(fi::Kind::FailUsercopy)), "fail_usercopy");
    EXPECT_EQ(fi::kind_from_name("failslab"), fi::Kind::Failslab);
    EXPECT_EQ(fi::kind_from_name("fail_page_alloc"), std::nullopt);
}

} // namespace
} // namespace lkmfs::kernel

namespace lkmfs::kernel {
namespace {

// A kernel built with KernelOptions::fault_injection starts with those settings.
TEST(KernelFaultInjectOptionsTest, KernelStartsWithConfiguredFaults) {
    KernelOptions options;
    options.console_loglevel = 0;
    options.fault_injection.push_back(
        {"kfi_opt", fault_inject::Kind::FailUsercopy, fault_inject::Attr{50, 4, 9, 0, 1}});
    Kernel kernel(options);
    auto attr = fault_inject::get("kfi_opt", fault_inject::Kind::FailUsercopy);
    ASSERT_TRUE(attr.has_value());
    EXPECT_EQ(*attr, (fault_inject::Attr{50, 4, 9, 0, 1}));
    EXPECT_FALSE(fault_inject::get("kfi_opt", fault_inject::Kind::Failslab).has_value());
}

} // namespace
} // namespace lkmfs::kernel
