/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Completions, as <linux/completion.h>: `done` counts complete() calls not yet consumed by
 * a waiter; complete_all() sets it to UINT_MAX for good (until reinit_completion()), so all
 * waiters, present and future, pass. Waiters sleep on a futex on `done`. Timeouts are in
 * jiffies; the _interruptible/_killable forms return -ERESTARTSYS when signalled.
 */
#ifndef _LKMFS_LINUX_COMPLETION_H
#define _LKMFS_LINUX_COMPLETION_H

#include <linux/types.h>
#include <lkmfs/kapi.h>

struct completion {
    unsigned int done;
    unsigned int sleepers; /* threads that may be asleep on it */
};

#define COMPLETION_INITIALIZER(work)                                                               \
    { 0, 0 }
#define COMPLETION_INITIALIZER_ONSTACK(work) COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION(work) struct completion work = COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION_ONSTACK(work) DECLARE_COMPLETION(work)

static inline void init_completion(struct completion *x) {
    x->done = 0;
    x->sleepers = 0;
}

KAPI_BEGIN
void reinit_completion(struct completion *x);
void wait_for_completion(struct completion *x);
void wait_for_completion_io(struct completion *x);
int __must_check wait_for_completion_interruptible(struct completion *x);
int __must_check wait_for_completion_killable(struct completion *x);
unsigned long __must_check wait_for_completion_timeout(struct completion *x, unsigned long timeout);
unsigned long __must_check wait_for_completion_io_timeout(struct completion *x,
                                                          unsigned long timeout);
long __must_check wait_for_completion_interruptible_timeout(struct completion *x,
                                                            unsigned long timeout);
long __must_check wait_for_completion_killable_timeout(struct completion *x, unsigned long timeout);
bool try_wait_for_completion(struct completion *x);
bool completion_done(struct completion *x);
void complete(struct completion *x);
void complete_all(struct completion *x);
KAPI_END

#endif
