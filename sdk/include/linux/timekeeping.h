/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the clocks, as <linux/timekeeping.h>. The monotonic clock is the host's
 * CLOCK_MONOTONIC, the real-time clock its CLOCK_REALTIME, boot time its CLOCK_BOOTTIME:
 * the simulated kernel shares the machine's time.
 */
#ifndef _LKMFS_LINUX_TIMEKEEPING_H
#define _LKMFS_LINUX_TIMEKEEPING_H

#include <linux/types.h>
#include <linux/time64.h>
#include <lkmfs/kapi.h>

typedef s64 ktime_t;

KAPI_BEGIN
ktime_t ktime_get(void);
ktime_t ktime_get_real(void);
ktime_t ktime_get_boottime(void);
ktime_t ktime_get_raw(void);
ktime_t ktime_get_coarse(void);
time64_t ktime_get_seconds(void);
time64_t ktime_get_real_seconds(void);
void ktime_get_ts64(struct timespec64 *ts);
void ktime_get_real_ts64(struct timespec64 *ts);
void ktime_get_raw_ts64(struct timespec64 *ts);
void ktime_get_boottime_ts64(struct timespec64 *ts);
void ktime_get_coarse_real_ts64(struct timespec64 *ts);
KAPI_END

static inline u64 ktime_get_ns(void) {
    return (u64)ktime_get();
}
static inline u64 ktime_get_real_ns(void) {
    return (u64)ktime_get_real();
}
static inline u64 ktime_get_boottime_ns(void) {
    return (u64)ktime_get_boottime();
}
static inline u64 ktime_get_raw_ns(void) {
    return (u64)ktime_get_raw();
}
static inline u64 ktime_get_mono_fast_ns(void) {
    return (u64)ktime_get();
}
#define ktime_get_boot_ns ktime_get_boottime_ns

#endif
