#include "jiffies.h"

#include <linux/jiffies.h>

namespace lkmfs::kernel {

namespace {

constexpr std::chrono::microseconds kTick{1000000 / HZ};
static_assert(HZ == kHz, "<linux/jiffies.h> and sleep.h must agree on the tick rate");

// The boot of the simulated kernel: the first time anything asks for the tick count.
SleepClock::time_point boot_time() {
    static const SleepClock::time_point boot = SleepClock::now();
    return boot;
}

} // namespace

unsigned long jiffies_at(SleepClock::time_point when) {
    auto since_boot = when - boot_time();
    if (since_boot < SleepClock::duration::zero())
        since_boot = SleepClock::duration::zero();
    return INITIAL_JIFFIES + static_cast<unsigned long>(since_boot / kTick);
}

SleepClock::time_point tick_start(unsigned long j) {
    return boot_time() + kTick * static_cast<long>(j - INITIAL_JIFFIES);
}

unsigned long update_jiffies() {
    unsigned long now = jiffies_at(SleepClock::now());
    __atomic_store_n(&jiffies_64, static_cast<u64>(now), __ATOMIC_RELEASE);
    __atomic_store_n(const_cast<unsigned long *>(&jiffies), now, __ATOMIC_RELEASE);
    return now;
}

} // namespace lkmfs::kernel

extern "C" {
// Both start at INITIAL_JIFFIES; the softirq thread's tick advances them.
unsigned long volatile jiffies = INITIAL_JIFFIES;
u64 jiffies_64 = INITIAL_JIFFIES;
}

#if defined(__SANITIZE_THREAD__)
// Code reads `jiffies` as Linux code does, a plain (volatile) load racing with the tick's
// store: benign by design, as in Linux, and not what a TSan run is looking for.
extern "C" __attribute__((visibility("default"))) const char *__tsan_default_suppressions() {
    return "race:lkmfs::kernel::update_jiffies\n";
}
#endif

extern "C" u64 get_jiffies_64(void) {
    return __atomic_load_n(&jiffies_64, __ATOMIC_ACQUIRE);
}

// Linux rounds to whole seconds (skewed per CPU) so that timers of many users expire in
// the same tick; one CPU here, so no skew. A time already in the past is left alone.
namespace {
unsigned long round_to_second(unsigned long j, bool force_up) {
    unsigned long original = j;
    unsigned long rem = j % HZ;
    if (rem < HZ / 4 && !force_up)
        j = j - rem;
    else
        j = j - rem + HZ;
    if (time_is_after_jiffies(j))
        return j;
    return original;
}
} // namespace

extern "C" unsigned long round_jiffies(unsigned long j) {
    return round_to_second(j, false);
}

extern "C" unsigned long round_jiffies_relative(unsigned long j) {
    unsigned long now = jiffies;
    return round_to_second(j + now, false) - now;
}

extern "C" unsigned long round_jiffies_up(unsigned long j) {
    return round_to_second(j, true);
}

extern "C" unsigned long round_jiffies_up_relative(unsigned long j) {
    unsigned long now = jiffies;
    return round_to_second(j + now, true) - now;
}
