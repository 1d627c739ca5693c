/* SPDX-License-Identifier: GPL-2.0 */
/* Bottom halves (softirqs), as <linux/bottom_half.h>: disabling them raises the softirq
 * part of this thread's preempt count (<linux/preempt.h>). */
#ifndef _LKMFS_LINUX_BOTTOM_HALF_H
#define _LKMFS_LINUX_BOTTOM_HALF_H

#include <linux/preempt.h>

#define local_bh_disable() preempt_count_add((int)SOFTIRQ_DISABLE_OFFSET)
#define local_bh_enable() preempt_count_sub((int)SOFTIRQ_DISABLE_OFFSET)

#endif
