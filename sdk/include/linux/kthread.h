/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel threads, as <linux/kthread.h>. kthread_create() makes a thread that sleeps until
 * wake_up_process(); kthread_run() also wakes it. Inside, `current` is the thread's own
 * task (its comm is the name given). kthread_stop() sets kthread_should_stop(), wakes the
 * thread and waits for its function to return, giving back its return value (-EINTR if it
 * never ran). A kthread its module did not stop is stopped at unload, with a warning.
 */
#ifndef _LKMFS_LINUX_KTHREAD_H
#define _LKMFS_LINUX_KTHREAD_H

#include <linux/types.h>
#include <linux/err.h>
#include <linux/sched.h>
#include <lkmfs/kapi.h>

#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE (-1)
#endif

KAPI_BEGIN
__printf(4, 5) struct task_struct *kthread_create_on_node(int (*threadfn)(void *data), void *data,
                                                          int node, const char namefmt[], ...);
bool kthread_should_stop(void);
bool kthread_should_park(void);
int kthread_stop(struct task_struct *k);
void kthread_bind(struct task_struct *k, unsigned int cpu);
void *kthread_data(struct task_struct *k);
bool kthread_freezable_should_stop(bool *was_frozen);
KAPI_END

#define kthread_create(threadfn, data, namefmt, arg...)                                            \
    kthread_create_on_node(threadfn, data, NUMA_NO_NODE, namefmt, ##arg)

#define kthread_run(threadfn, data, namefmt, ...)                                                  \
    ({                                                                                             \
        struct task_struct *__k = kthread_create(threadfn, data, namefmt, ##__VA_ARGS__);          \
        if (!IS_ERR(__k))                                                                          \
            wake_up_process(__k);                                                                  \
        __k;                                                                                       \
    })

#endif
