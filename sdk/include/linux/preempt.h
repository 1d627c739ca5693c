/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Preemption and the "atomic context", as <linux/preempt.h>. Each daemon thread keeps its
 * own preempt count (laid out as Linux's: preemption-disable depth in bits 0-7, softirq in
 * 8-15, hardirq in 16-19): spin locks raise it, timer callbacks run with the softirq part
 * set, and the debug checks (might_sleep) read it. Disabling preemption does not stop the
 * host scheduler; it records that the code must not sleep.
 */
#ifndef _LKMFS_LINUX_PREEMPT_H
#define _LKMFS_LINUX_PREEMPT_H

#include <linux/types.h>
#include <lkmfs/kapi.h>

#define PREEMPT_BITS 8
#define SOFTIRQ_BITS 8
#define HARDIRQ_BITS 4
#define PREEMPT_SHIFT 0
#define SOFTIRQ_SHIFT (PREEMPT_SHIFT + PREEMPT_BITS)
#define HARDIRQ_SHIFT (SOFTIRQ_SHIFT + SOFTIRQ_BITS)
#define PREEMPT_OFFSET (1UL << PREEMPT_SHIFT)
#define SOFTIRQ_OFFSET (1UL << SOFTIRQ_SHIFT)
#define HARDIRQ_OFFSET (1UL << HARDIRQ_SHIFT)
#define SOFTIRQ_DISABLE_OFFSET (2 * SOFTIRQ_OFFSET)
#define PREEMPT_MASK (((1UL << PREEMPT_BITS) - 1) << PREEMPT_SHIFT)
#define SOFTIRQ_MASK (((1UL << SOFTIRQ_BITS) - 1) << SOFTIRQ_SHIFT)
#define HARDIRQ_MASK (((1UL << HARDIRQ_BITS) - 1) << HARDIRQ_SHIFT)

KAPI_BEGIN
int preempt_count(void);
void preempt_count_add(int val);
void preempt_count_sub(int val);
KAPI_END

#define hardirq_count() (preempt_count() & (int)HARDIRQ_MASK)
#define softirq_count() (preempt_count() & (int)SOFTIRQ_MASK)
#define irq_count() (preempt_count() & (int)(HARDIRQ_MASK | SOFTIRQ_MASK))

#define in_irq() (hardirq_count() != 0)
#define in_hardirq() (hardirq_count() != 0)
#define in_softirq() (softirq_count() != 0)
#define in_serving_softirq() ((softirq_count() & (int)SOFTIRQ_OFFSET) != 0)
#define in_interrupt() (irq_count() != 0)
#define in_task() (!in_interrupt())
#define in_atomic() (preempt_count() != 0)

#define preempt_disable() preempt_count_add(1)
#define preempt_enable() preempt_count_sub(1)
#define preempt_enable_no_resched() preempt_count_sub(1)
#define preempt_disable_notrace() preempt_count_add(1)
#define preempt_enable_notrace() preempt_count_sub(1)
#define preemptible() (preempt_count() == 0 && !irqs_disabled())

#define migrate_disable() preempt_disable()
#define migrate_enable() preempt_enable()

/* The simulated machine is one CPU as far as modules can tell. */
#define smp_processor_id() 0
#define raw_smp_processor_id() 0
#define get_cpu() (preempt_disable(), 0)
#define put_cpu() preempt_enable()

#include <linux/irqflags.h>

#endif
