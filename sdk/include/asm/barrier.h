/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory barriers, as <asm/barrier.h> on x86-64. The simulated kernel runs on real threads
 * of a real SMP machine, so the SMP barriers are real fences, not compiler-only ones.
 */
#ifndef _LKMFS_ASM_BARRIER_H
#define _LKMFS_ASM_BARRIER_H

#include <linux/compiler.h>

#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_mb() mb()
#define smp_rmb() rmb()
#define smp_wmb() wmb()

#define smp_store_mb(var, value)                                                                   \
    do {                                                                                           \
        WRITE_ONCE(var, value);                                                                    \
        smp_mb();                                                                                  \
    } while (0)

#define smp_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define smp_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)

#endif
