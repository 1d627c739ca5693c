/* SPDX-License-Identifier: GPL-2.0 */
/* Time units and struct timespec64, as <linux/time64.h> (and vdso/time64.h it includes). */
#ifndef _LKMFS_LINUX_TIME64_H
#define _LKMFS_LINUX_TIME64_H

#include <linux/types.h>

typedef s64 time64_t;
typedef u64 timeu64_t;

struct timespec64 {
    time64_t tv_sec; /* seconds */
    long tv_nsec;    /* nanoseconds */
};

#define MSEC_PER_SEC 1000L
#define USEC_PER_MSEC 1000L
#define NSEC_PER_USEC 1000L
#define NSEC_PER_MSEC 1000000L
#define USEC_PER_SEC 1000000L
#define NSEC_PER_SEC 1000000000L
#define FSEC_PER_SEC 1000000000000000LL

#define TIME64_MAX ((s64) ~((u64)1 << 63))
#define TIME64_MIN (-TIME64_MAX - 1)
#define KTIME_MAX ((s64) ~((u64)1 << 63))
#define KTIME_SEC_MAX (KTIME_MAX / NSEC_PER_SEC)

static inline s64 timespec64_to_ns(const struct timespec64 *ts) {
    return ((s64)ts->tv_sec * NSEC_PER_SEC) + ts->tv_nsec;
}

static inline struct timespec64 ns_to_timespec64(s64 nsec) {
    struct timespec64 ts;
    ts.tv_sec = nsec / NSEC_PER_SEC;
    ts.tv_nsec = (long)(nsec % NSEC_PER_SEC);
    if (ts.tv_nsec < 0) { /* a negative time still has 0 <= tv_nsec < 1s */
        ts.tv_sec--;
        ts.tv_nsec += NSEC_PER_SEC;
    }
    return ts;
}

static inline struct timespec64 timespec64_sub(struct timespec64 lhs, struct timespec64 rhs) {
    return ns_to_timespec64(timespec64_to_ns(&lhs) - timespec64_to_ns(&rhs));
}

static inline struct timespec64 timespec64_add(struct timespec64 lhs, struct timespec64 rhs) {
    return ns_to_timespec64(timespec64_to_ns(&lhs) + timespec64_to_ns(&rhs));
}

static inline int timespec64_compare(const struct timespec64 *lhs, const struct timespec64 *rhs) {
    if (lhs->tv_sec < rhs->tv_sec)
        return -1;
    if (lhs->tv_sec > rhs->tv_sec)
        return 1;
    return (int)(lhs->tv_nsec - rhs->tv_nsec);
}

#endif
