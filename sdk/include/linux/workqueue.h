/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workqueues, as <linux/workqueue.h>. Work items run in process context (they may sleep)
 * on worker threads of their queue: the system queues (system_wq...) always exist;
 * alloc_workqueue() makes more, with up to max_active items of the queue running at once
 * (one, in order, for an ordered queue). As in Linux, an item is queued at most once at a
 * time (queue_work returns false if it is already pending), never runs on two workers at
 * once, and its PENDING bit is cleared just before its function runs, so the function
 * may queue it again. Delayed work is a timer that queues the item when it fires.
 * Work and queues a module leaves behind at unload are cancelled and destroyed, with a
 * warning in kmsg.
 */
#ifndef _LKMFS_LINUX_WORKQUEUE_H
#define _LKMFS_LINUX_WORKQUEUE_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/list.h>
#include <linux/timer.h>
#include <lkmfs/kapi.h>

struct work_struct;
struct workqueue_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
    atomic_long_t data; /* bit WORK_STRUCT_PENDING_BIT: queued and not yet started */
    struct list_head entry;
    work_func_t func;
};

struct delayed_work {
    struct work_struct work;
    struct timer_list timer;
    /* target workqueue and CPU ->timer uses to queue ->work */
    struct workqueue_struct *wq;
    int cpu;
};

enum {
    WORK_STRUCT_PENDING_BIT = 0,
    WORK_CPU_UNBOUND = 64,
};

enum {
    WQ_UNBOUND = 1 << 1,
    WQ_FREEZABLE = 1 << 2,
    WQ_MEM_RECLAIM = 1 << 3,
    WQ_HIGHPRI = 1 << 4,
    WQ_CPU_INTENSIVE = 1 << 5,
    WQ_SYSFS = 1 << 6,
    WQ_POWER_EFFICIENT = 1 << 7,
    __WQ_DRAINING = 1 << 16,
    __WQ_ORDERED = 1 << 17,
    __WQ_LEGACY = 1 << 18,
    __WQ_ORDERED_EXPLICIT = 1 << 19,
    WQ_MAX_ACTIVE = 512,
    WQ_DFL_ACTIVE = WQ_MAX_ACTIVE / 2,
};

#define work_data_bits(work) ((unsigned long *)(&(work)->data))
#define work_pending(work) test_bit(WORK_STRUCT_PENDING_BIT, work_data_bits(work))
#define delayed_work_pending(w) work_pending(&(w)->work)

KAPI_BEGIN
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_highpri_wq;
extern struct workqueue_struct *system_long_wq;
extern struct workqueue_struct *system_unbound_wq;
extern struct workqueue_struct *system_freezable_wq;
extern struct workqueue_struct *system_power_efficient_wq;
extern struct workqueue_struct *system_freezable_power_efficient_wq;

void delayed_work_timer_fn(struct timer_list *t);

__printf(1, 4) struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
                                                        int max_active, ...);
void destroy_workqueue(struct workqueue_struct *wq);
void __flush_workqueue(struct workqueue_struct *wq);
void drain_workqueue(struct workqueue_struct *wq);
void workqueue_set_max_active(struct workqueue_struct *wq, int max_active);

bool queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work);
bool queue_delayed_work_on(int cpu, struct workqueue_struct *wq, struct delayed_work *work,
                           unsigned long delay);
bool mod_delayed_work_on(int cpu, struct workqueue_struct *wq, struct delayed_work *dwork,
                         unsigned long delay);
bool flush_work(struct work_struct *work);
bool cancel_work(struct work_struct *work);
bool cancel_work_sync(struct work_struct *work);
bool flush_delayed_work(struct delayed_work *dwork);
bool cancel_delayed_work(struct delayed_work *dwork);
bool cancel_delayed_work_sync(struct delayed_work *dwork);
bool flush_rcu_work(struct work_struct *work);
struct work_struct *current_work(void);
KAPI_END

#define WORK_DATA_INIT() ATOMIC_LONG_INIT(0)
#define WORK_DATA_STATIC_INIT() ATOMIC_LONG_INIT(0)

#define __WORK_INITIALIZER(n, f)                                                                   \
    { WORK_DATA_STATIC_INIT(), {&(n).entry, &(n).entry}, (f) }
#define __DELAYED_WORK_INITIALIZER(n, f, tflags)                                                   \
    {                                                                                              \
        __WORK_INITIALIZER((n).work, (f)),                                                         \
            __TIMER_INITIALIZER(delayed_work_timer_fn, (tflags) | TIMER_IRQSAFE), NULL, 0          \
    }
#define DECLARE_WORK(n, f) struct work_struct n = __WORK_INITIALIZER(n, f)
#define DECLARE_DELAYED_WORK(n, f) struct delayed_work n = __DELAYED_WORK_INITIALIZER(n, f, 0)
#define DECLARE_DEFERRABLE_WORK(n, f)                                                              \
    struct delayed_work n = __DELAYED_WORK_INITIALIZER(n, f, TIMER_DEFERRABLE)

#define INIT_WORK(_work, _func)                                                                    \
    do {                                                                                           \
        struct work_struct *__w = (_work);                                                         \
        __w->data.counter = 0;                                                                     \
        INIT_LIST_HEAD(&__w->entry);                                                               \
        __w->func = (_func);                                                                       \
    } while (0)
#define INIT_WORK_ONSTACK(_work, _func) INIT_WORK(_work, _func)
#define __INIT_DELAYED_WORK(_work, _func, _tflags)                                                 \
    do {                                                                                           \
        struct delayed_work *__dw = (_work);                                                       \
        INIT_WORK(&__dw->work, (_func));                                                           \
        timer_setup(&__dw->timer, delayed_work_timer_fn, (_tflags) | TIMER_IRQSAFE);               \
        __dw->wq = NULL;                                                                           \
        __dw->cpu = 0;                                                                             \
    } while (0)
#define INIT_DELAYED_WORK(_work, _func) __INIT_DELAYED_WORK(_work, _func, 0)
#define INIT_DELAYED_WORK_ONSTACK(_work, _func) __INIT_DELAYED_WORK(_work, _func, 0)
#define INIT_DEFERRABLE_WORK(_work, _func) __INIT_DELAYED_WORK(_work, _func, TIMER_DEFERRABLE)
static inline void destroy_work_on_stack(struct work_struct *work) {
    (void)work;
}
static inline void destroy_delayed_work_on_stack(struct delayed_work *work) {
    (void)work;
}

static inline struct delayed_work *to_delayed_work(struct work_struct *work) {
    return container_of(work, struct delayed_work, work);
}

#define alloc_ordered_workqueue(fmt, flags, args...)                                               \
    alloc_workqueue(fmt, WQ_UNBOUND | __WQ_ORDERED | __WQ_ORDERED_EXPLICIT | (flags), 1, ##args)
#define create_workqueue(name) alloc_workqueue("%s", __WQ_LEGACY | WQ_MEM_RECLAIM, 1, (name))
#define create_freezable_workqueue(name)                                                           \
    alloc_workqueue("%s", __WQ_LEGACY | WQ_FREEZABLE | WQ_UNBOUND | WQ_MEM_RECLAIM, 1, (name))
#define create_singlethread_workqueue(name)                                                        \
    alloc_ordered_workqueue("%s", __WQ_LEGACY | WQ_MEM_RECLAIM, name)

#define flush_workqueue(wq) __flush_workqueue(wq)
#define flush_scheduled_work() __flush_workqueue(system_wq)

static inline bool queue_work(struct workqueue_struct *wq, struct work_struct *work) {
    return queue_work_on(WORK_CPU_UNBOUND, wq, work);
}
static inline bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dwork,
                                      unsigned long delay) {
    return queue_delayed_work_on(WORK_CPU_UNBOUND, wq, dwork, delay);
}
static inline bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dwork,
                                    unsigned long delay) {
    return mod_delayed_work_on(WORK_CPU_UNBOUND, wq, dwork, delay);
}
static inline bool schedule_work_on(int cpu, struct work_struct *work) {
    return queue_work_on(cpu, system_wq, work);
}
static inline bool schedule_work(struct work_struct *work) {
    return queue_work(system_wq, work);
}
static inline bool schedule_delayed_work_on(int cpu, struct delayed_work *dwork,
                                            unsigned long delay) {
    return queue_delayed_work_on(cpu, system_wq, dwork, delay);
}
static inline bool schedule_delayed_work(struct delayed_work *dwork, unsigned long delay) {
    return queue_delayed_work(system_wq, dwork, delay);
}

#endif
