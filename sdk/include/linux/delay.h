/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delays, as <linux/delay.h>. udelay/ndelay/mdelay busy-wait (allowed in atomic context;
 * they burn a host CPU as they burn one in Linux). msleep and friends sleep: at least the
 * time asked, rounded up to whole ticks plus one, as Linux's msleep does; msleep and ssleep
 * are uninterruptible, msleep_interruptible returns early when the process the code serves
 * is signalled, with the milliseconds left.
 */
#ifndef _LKMFS_LINUX_DELAY_H
#define _LKMFS_LINUX_DELAY_H

#include <linux/types.h>
#include <lkmfs/kapi.h>

#define MAX_UDELAY_MS 5

KAPI_BEGIN
void udelay(unsigned long usecs);
void ndelay(unsigned long nsecs);
void msleep(unsigned int msecs);
unsigned long msleep_interruptible(unsigned int msecs);
void usleep_range_state(unsigned long min, unsigned long max, unsigned int state);
void fsleep(unsigned long usecs);
KAPI_END

#define mdelay(n)                                                                                  \
    do {                                                                                           \
        unsigned long __ms = (n);                                                                  \
        while (__ms--)                                                                             \
            udelay(1000);                                                                          \
    } while (0)

static inline void ssleep(unsigned int seconds) {
    msleep(seconds * 1000);
}

static inline void usleep_range(unsigned long min, unsigned long max) {
    usleep_range_state(min, max, 0x0002 /* TASK_UNINTERRUPTIBLE */);
}

static inline void usleep_idle_range(unsigned long min, unsigned long max) {
    usleep_range_state(min, max, 0x0402 /* TASK_IDLE */);
}

#endif
