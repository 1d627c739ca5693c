/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tick count, as <linux/jiffies.h>. HZ is 250 (CONFIG_HZ of Debian's kernels).
 * `jiffies` is a real variable that the simulated kernel's timer tick advances HZ times a
 * second, so code may read it in a loop; like Linux it starts at INITIAL_JIFFIES, five
 * minutes before its low 32 bits wrap, so wrap-unsafe comparisons fail early. Compare
 * tick counts with time_after() and friends, never with < or >.
 */
#ifndef _LKMFS_LINUX_JIFFIES_H
#define _LKMFS_LINUX_JIFFIES_H

#include <limits.h>
#include <linux/types.h>
#include <linux/time64.h>
#include <lkmfs/kapi.h>

#define HZ 250
#define USER_HZ 100
#define CLOCKS_PER_SEC USER_HZ

#define INITIAL_JIFFIES ((unsigned long)(unsigned int)(-300 * HZ))
#define MAX_JIFFY_OFFSET ((LONG_MAX >> 1) - 1)

KAPI_BEGIN
extern unsigned long volatile jiffies;
extern u64 jiffies_64;
u64 get_jiffies_64(void);
unsigned long round_jiffies(unsigned long j);
unsigned long round_jiffies_relative(unsigned long j);
unsigned long round_jiffies_up(unsigned long j);
unsigned long round_jiffies_up_relative(unsigned long j);
KAPI_END

#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
#define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
#define time_before_eq(a, b) time_after_eq(b, a)
#define time_in_range(a, b, c) (time_after_eq(a, b) && time_before_eq(a, c))
#define time_in_range_open(a, b, c) (time_after_eq(a, b) && time_before(a, c))

#define time_after64(a, b) ((s64)((b) - (a)) < 0)
#define time_before64(a, b) time_after64(b, a)
#define time_after_eq64(a, b) ((s64)((a) - (b)) >= 0)
#define time_before_eq64(a, b) time_after_eq64(b, a)
#define time_in_range64(a, b, c) (time_after_eq64(a, b) && time_before_eq64(a, c))

#define time_is_before_jiffies(a) time_after(jiffies, a)
#define time_is_after_jiffies(a) time_before(jiffies, a)
#define time_is_before_eq_jiffies(a) time_after_eq(jiffies, a)
#define time_is_after_eq_jiffies(a) time_before_eq(jiffies, a)
#define time_is_before_jiffies64(a) time_after64(get_jiffies_64(), a)
#define time_is_after_jiffies64(a) time_before64(get_jiffies_64(), a)

static inline unsigned int jiffies_to_msecs(const unsigned long j) {
    return (unsigned int)((MSEC_PER_SEC / HZ) * j);
}

static inline unsigned int jiffies_to_usecs(const unsigned long j) {
    return (unsigned int)((USEC_PER_SEC / HZ) * j);
}

static inline u64 jiffies_to_nsecs(const unsigned long j) {
    return (u64)jiffies_to_usecs(j) * NSEC_PER_USEC;
}

static inline u64 jiffies64_to_nsecs(u64 j) {
    return j * (NSEC_PER_SEC / HZ);
}

static inline u64 jiffies64_to_msecs(u64 j) {
    return j * (MSEC_PER_SEC / HZ);
}

/* Rounded up, as in Linux: a delay is never shorter than asked. A negative count (as int)
 * means "forever". */
static inline unsigned long msecs_to_jiffies(const unsigned int m) {
    if ((int)m < 0)
        return MAX_JIFFY_OFFSET;
    return (m + (MSEC_PER_SEC / HZ) - 1) / (MSEC_PER_SEC / HZ);
}

static inline unsigned long usecs_to_jiffies(const unsigned int u) {
    if (u > jiffies_to_usecs(MAX_JIFFY_OFFSET))
        return MAX_JIFFY_OFFSET;
    return (u + (USEC_PER_SEC / HZ) - 1) / (USEC_PER_SEC / HZ);
}

static inline u64 nsecs_to_jiffies64(u64 n) {
    return n / (NSEC_PER_SEC / HZ);
}

static inline unsigned long nsecs_to_jiffies(u64 n) {
    return (unsigned long)nsecs_to_jiffies64(n);
}

static inline unsigned long timespec64_to_jiffies(const struct timespec64 *value) {
    return (unsigned long)nsecs_to_jiffies64((u64)timespec64_to_ns(value) + (NSEC_PER_SEC / HZ) -
                                             1);
}

static inline void jiffies_to_timespec64(const unsigned long j, struct timespec64 *value) {
    *value = ns_to_timespec64((s64)jiffies_to_nsecs(j));
}

/* HZ is not a multiple of USER_HZ: convert through nanoseconds, as Linux does. */
static inline clock_t jiffies_to_clock_t(unsigned long x) {
    return (clock_t)((u64)x * (NSEC_PER_SEC / HZ) / (NSEC_PER_SEC / USER_HZ));
}

#endif
