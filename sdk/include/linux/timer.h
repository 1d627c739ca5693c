/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel timers, as <linux/timer.h>. A timer fires at the first tick at which jiffies has
 * reached `expires`; its callback runs on the simulated kernel's softirq thread, in atomic
 * context (in_softirq() is true: it must not sleep), one callback at a time. A callback
 * may re-arm its own timer with mod_timer(). del_timer_sync()/timer_delete_sync() also
 * wait for a running callback to finish. A timer its module left pending at unload is
 * deleted, with a warning in kmsg (Linux would later jump into freed code).
 */
#ifndef _LKMFS_LINUX_TIMER_H
#define _LKMFS_LINUX_TIMER_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <lkmfs/kapi.h>

struct timer_list {
    struct hlist_node entry; /* entry.pprev != NULL while the timer is pending */
    unsigned long expires;
    void (*function)(struct timer_list *);
    u32 flags;
};

#define TIMER_CPUMASK 0x0003FFFF
#define TIMER_MIGRATING 0x00040000
#define TIMER_BASEMASK (TIMER_CPUMASK | TIMER_MIGRATING)
#define TIMER_DEFERRABLE 0x00080000
#define TIMER_PINNED 0x00100000
#define TIMER_IRQSAFE 0x00200000
#define TIMER_INIT_FLAGS (TIMER_DEFERRABLE | TIMER_PINNED | TIMER_IRQSAFE)

#define __TIMER_INITIALIZER(_function, _flags)                                                     \
    { {NULL, NULL}, 0, (_function), (_flags) }
#define DEFINE_TIMER(_name, _function) struct timer_list _name = __TIMER_INITIALIZER(_function, 0)

KAPI_BEGIN
void init_timer_key(struct timer_list *timer, void (*func)(struct timer_list *), unsigned int flags,
                    const char *name, struct lock_class_key *key);
void add_timer(struct timer_list *timer);
void add_timer_on(struct timer_list *timer, int cpu);
int mod_timer(struct timer_list *timer, unsigned long expires);
int mod_timer_pending(struct timer_list *timer, unsigned long expires);
int timer_reduce(struct timer_list *timer, unsigned long expires);
int __lkmfs_timer_delete(struct timer_list *timer);
int timer_delete_sync(struct timer_list *timer);
int try_to_del_timer_sync(struct timer_list *timer);
int timer_shutdown(struct timer_list *timer);
int timer_shutdown_sync(struct timer_list *timer);
KAPI_END

#define timer_setup(timer, callback, flags)                                                        \
    init_timer_key((timer), (callback), (flags), #timer, NULL)
#define timer_setup_on_stack(timer, callback, flags) timer_setup(timer, callback, flags)
static inline void destroy_timer_on_stack(struct timer_list *timer) {
    (void)timer;
}

#define from_timer(var, callback_timer, timer_fieldname)                                           \
    container_of(callback_timer, __typeof__(*var), timer_fieldname)

static inline int timer_pending(const struct timer_list *timer) {
    return __atomic_load_n(&timer->entry.pprev, __ATOMIC_ACQUIRE) != NULL;
}

/* Not exported under its own name: the C library has a timer_delete() of its own (POSIX
 * timers), which a daemon-wide symbol would replace. */
static inline int timer_delete(struct timer_list *timer) {
    return __lkmfs_timer_delete(timer);
}

static inline int del_timer(struct timer_list *timer) {
    return timer_delete(timer);
}
static inline int del_timer_sync(struct timer_list *timer) {
    return timer_delete_sync(timer);
}
#define del_singleshot_timer_sync(t) del_timer_sync(t)

#endif
