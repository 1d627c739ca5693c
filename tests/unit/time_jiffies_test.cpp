// Tick arithmetic and clocks (<linux/jiffies.h>, <linux/ktime.h>, <linux/delay.h>) against
// Linux 6.1's definitions for HZ=250, and the running tick of a kernel.
#include "sync_test_support.h"

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/preempt.h>

namespace lkmfs::kernel::sync_test {
namespace {

TEST(Jiffies, ConversionsRoundAsLinuxDoesAtHz250) {
    EXPECT_EQ(HZ, 250);
    EXPECT_EQ(msecs_to_jiffies(0), 0ul);
    EXPECT_EQ(msecs_to_jiffies(1), 1ul); // rounded up: never shorter than asked
    EXPECT_EQ(msecs_to_jiffies(4), 1ul);
    EXPECT_EQ(msecs_to_jiffies(5), 2ul);
    EXPECT_EQ(msecs_to_jiffies(1000), 250ul);
    EXPECT_EQ(msecs_to_jiffies(static_cast<unsigned int>(-1)),
              static_cast<unsigned long>(MAX_JIFFY_OFFSET));
    EXPECT_EQ(usecs_to_jiffies(1), 1ul);
    EXPECT_EQ(usecs_to_jiffies(4000), 1ul);
    EXPECT_EQ(usecs_to_jiffies(4001), 2ul);
    EXPECT_EQ(jiffies_to_msecs(250), 1000u);
    EXPECT_EQ(jiffies_to_usecs(1), 4000u);
    EXPECT_EQ(nsecs_to_jiffies(3999999), 0ul); // truncated, as Linux's nsecs_to_jiffies
    EXPECT_EQ(jiffies_to_clock_t(250), 100);   // USER_HZ
}

TEST(Jiffies, StartFiveMinutesBeforeTheLow32BitsWrapAndComparisonsSurviveTheWrap) {
    EXPECT_EQ(INITIAL_JIFFIES, 0x100000000ul - 300ul * HZ);
    unsigned long before = 0xfffffff0ul, after = 0x10ul; // across a 32-bit wrap, as u32
    EXPECT_TRUE(time_after(
        static_cast<unsigned long>(static_cast<unsigned int>(after)) + 0x100000000ul, before));
    unsigned long a = ~0ul - 5, b = 5; // across the 64-bit wrap
    EXPECT_TRUE(time_after(b, a));
    EXPECT_TRUE(time_before(a, b));
    EXPECT_TRUE(time_after_eq(a, a));
    EXPECT_TRUE(time_in_range(a + 3, a, b));
    EXPECT_FALSE(time_in_range(b + 1, a, b));
}

TEST(Jiffies, TheTickAdvancesJiffiesAtHzWhileAKernelRuns) {
    Kernel kernel{quiet_kernel()};
    unsigned long start = jiffies;
    EXPECT_GE(start, INITIAL_JIFFIES);
    auto t0 = Clock::now();
    std::this_thread::sleep_for(400ms);
    unsigned long ticks = jiffies - start;
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
    long expected = static_cast<long>(elapsed.count() / 4000);
    // Within two ticks of the wall clock (one for each end of the measurement).
    EXPECT_LE(std::labs(static_cast<long>(ticks) - expected), 2) << elapsed.count() << " us";
    EXPECT_EQ(get_jiffies_64() >= start, true);
}

TEST(Ktime, ClocksAndArithmetic) {
    ktime_t a = ktime_get();
    udelay(2000);
    ktime_t b = ktime_get();
    EXPECT_GE(ktime_us_delta(b, a), 2000);
    EXPECT_EQ(ktime_to_ms(ms_to_ktime(1500)), 1500);
    EXPECT_EQ(ktime_set(2, 5), 2000000005);
    EXPECT_TRUE(ktime_after(b, a));
    EXPECT_GT(ktime_get_real_seconds(), 1700000000); // a real date
    timespec64 ts{};
    ktime_get_ts64(&ts);
    EXPECT_GE(ts.tv_nsec, 0);
    EXPECT_LT(ts.tv_nsec, NSEC_PER_SEC);
    timespec64 neg = ns_to_timespec64(-1);
    EXPECT_EQ(neg.tv_sec, -1);
    EXPECT_EQ(neg.tv_nsec, NSEC_PER_SEC - 1);
}

TEST(Delay, MsleepSleepsAtLeastTheTimeAndOneTickMoreAtMostAFewTicks) {
    Kernel kernel{quiet_kernel()};
    auto t0 = Clock::now();
    auto cpu0 = thread_cpu_time();
    msleep(30);
    auto took = Clock::now() - t0;
    EXPECT_GE(took, 30ms);
    EXPECT_LT(took, 300ms);
    EXPECT_LT(thread_cpu_time() - cpu0, 10ms); // asleep, not spinning
    t0 = Clock::now();
    usleep_range(1000, 2000);
    EXPECT_GE(Clock::now() - t0, 1ms);
}

TEST(Delay, UdelayBusyWaitsAndMayBeUsedInAtomicContext) {
    preempt_disable();
    auto t0 = Clock::now();
    mdelay(3);
    EXPECT_GE(Clock::now() - t0, 3ms);
    preempt_enable();
}

} // namespace
} // namespace lkmfs::kernel::sync_test
