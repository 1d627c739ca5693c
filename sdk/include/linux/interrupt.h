/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tasklets, as <linux/interrupt.h> (the simulated kernel has no hardware interrupts).
 * A scheduled tasklet runs once, soon, on the softirq thread in atomic context; scheduling
 * it again before it runs does nothing; a tasklet never runs on two threads at once, and a
 * disabled one waits until tasklet_enable(). tasklet_kill() waits until it is neither
 * scheduled nor running.
 */
#ifndef _LKMFS_LINUX_INTERRUPT_H
#define _LKMFS_LINUX_INTERRUPT_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/bottom_half.h>
#include <lkmfs/kapi.h>

struct tasklet_struct {
    struct tasklet_struct *next;
    unsigned long state;
    atomic_t count; /* > 0: disabled */
    bool use_callback;
    union {
        void (*func)(unsigned long data);
        void (*callback)(struct tasklet_struct *t);
    };
    unsigned long data;
};

enum {
    TASKLET_STATE_SCHED, /* scheduled for execution */
    TASKLET_STATE_RUN    /* running */
};

#ifdef __cplusplus
#define __LKMFS_TASKLET_INIT(count_, cb)                                                           \
    { NULL, 0, ATOMIC_INIT(count_), true, {.callback = (cb)}, 0 }
#define __LKMFS_TASKLET_INIT_OLD(count_, fn)                                                       \
    { NULL, 0, ATOMIC_INIT(count_), false, {.func = (fn)}, 0 }
#else
#define __LKMFS_TASKLET_INIT(count_, cb)                                                           \
    { .count = ATOMIC_INIT(count_), .use_callback = true, .callback = (cb), }
#define __LKMFS_TASKLET_INIT_OLD(count_, fn)                                                       \
    { .count = ATOMIC_INIT(count_), .func = (fn), }
#endif

#define DECLARE_TASKLET(name, _callback)                                                           \
    struct tasklet_struct name = __LKMFS_TASKLET_INIT(0, _callback)
#define DECLARE_TASKLET_DISABLED(name, _callback)                                                  \
    struct tasklet_struct name = __LKMFS_TASKLET_INIT(1, _callback)
#define DECLARE_TASKLET_OLD(name, _func)                                                           \
    struct tasklet_struct name = __LKMFS_TASKLET_INIT_OLD(0, _func)
#define DECLARE_TASKLET_DISABLED_OLD(name, _func)                                                  \
    struct tasklet_struct name = __LKMFS_TASKLET_INIT_OLD(1, _func)

#define from_tasklet(var, callback_tasklet, tasklet_fieldname)                                     \
    container_of(callback_tasklet, __typeof__(*var), tasklet_fieldname)

KAPI_BEGIN
void tasklet_init(struct tasklet_struct *t, void (*func)(unsigned long), unsigned long data);
void tasklet_setup(struct tasklet_struct *t, void (*callback)(struct tasklet_struct *));
void __tasklet_schedule(struct tasklet_struct *t);
void __tasklet_hi_schedule(struct tasklet_struct *t);
void tasklet_kill(struct tasklet_struct *t);
void tasklet_unlock_wait(struct tasklet_struct *t);
KAPI_END

static inline void tasklet_schedule(struct tasklet_struct *t) {
    if (!test_and_set_bit(TASKLET_STATE_SCHED, &t->state))
        __tasklet_schedule(t);
}

static inline void tasklet_hi_schedule(struct tasklet_struct *t) {
    if (!test_and_set_bit(TASKLET_STATE_SCHED, &t->state))
        __tasklet_hi_schedule(t);
}

static inline void tasklet_disable_nosync(struct tasklet_struct *t) {
    atomic_inc(&t->count);
}

/* Disables the tasklet and waits for a run in progress to finish. */
static inline void tasklet_disable(struct tasklet_struct *t) {
    tasklet_disable_nosync(t);
    tasklet_unlock_wait(t);
}

static inline void tasklet_enable(struct tasklet_struct *t) {
    atomic_dec(&t->count);
}

#endif
