// The tick count (<linux/jiffies.h>): what `jiffies` is at a moment of the host's monotonic
// clock. The softirq thread stores it into the exported variables every tick.
#pragma once

#include "sleep.h"

namespace lkmfs::kernel {

// jiffies at `when`: INITIAL_JIFFIES plus the whole ticks since the simulated kernel's boot.
unsigned long jiffies_at(SleepClock::time_point when);
// When tick `j` begins (the inverse of jiffies_at, for scheduling the tick).
SleepClock::time_point tick_start(unsigned long j);
// Stores jiffies_at(now) into `jiffies` and `jiffies_64`; returns it.
unsigned long update_jiffies();

} // namespace lkmfs::kernel
