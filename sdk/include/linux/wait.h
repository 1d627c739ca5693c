/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wait queues, as <linux/wait.h>, and the task-state half of <linux/sched.h> they rest on
 * (set_current_state, schedule_timeout, wake_up_process).
 *
 * As in Linux, a sleeper sets its state (TASK_INTERRUPTIBLE...), puts an entry on the queue,
 * re-checks its condition and only then sleeps; a waker calls each entry's wake function,
 * which sets the task back to TASK_RUNNING. The task state word is what a sleeping thread
 * waits on (a futex), so a wake-up between the check and the sleep is never lost. The
 * wait_event*() macros evaluate the condition in the caller's code, each time it may have
 * changed. An interruptible sleep ends early with -ERESTARTSYS when the process it serves
 * is signalled (the FUSE interrupt of Ctrl-C) or the daemon shuts down.
 */
#ifndef _LKMFS_LINUX_WAIT_H
#define _LKMFS_LINUX_WAIT_H

#include <limits.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/kernel.h>
#include <lkmfs/kapi.h>

#ifndef TASK_NOLOAD
#define TASK_NOLOAD 0x0400
#endif
#ifndef TASK_NORMAL
#define TASK_NORMAL (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)
#endif
#ifndef TASK_IDLE
#define TASK_IDLE (TASK_UNINTERRUPTIBLE | TASK_NOLOAD)
#endif
#ifndef MAX_SCHEDULE_TIMEOUT
#define MAX_SCHEDULE_TIMEOUT LONG_MAX
#endif

typedef struct wait_queue_entry wait_queue_entry_t;
typedef int (*wait_queue_func_t)(struct wait_queue_entry *wq_entry, unsigned mode, int flags,
                                 void *key);

#define WQ_FLAG_EXCLUSIVE 0x01
#define WQ_FLAG_WOKEN 0x02

struct wait_queue_entry {
    unsigned int flags;
#ifdef __cplusplus
    void *private_; /* `private` is a C++ keyword */
#else
    void *private;
#endif
    wait_queue_func_t func;
    struct list_head entry;
};

struct wait_queue_head {
    spinlock_t lock;
    struct list_head head;
};
typedef struct wait_queue_head wait_queue_head_t;

#define __WAIT_QUEUE_HEAD_INITIALIZER(name)                                                        \
    {                                                                                              \
        __SPIN_LOCK_UNLOCKED(name.lock), {                                                         \
            &(name).head, &(name).head                                                             \
        }                                                                                          \
    }
#define DECLARE_WAIT_QUEUE_HEAD(name)                                                              \
    struct wait_queue_head name = __WAIT_QUEUE_HEAD_INITIALIZER(name)
#define DECLARE_WAIT_QUEUE_HEAD_ONSTACK(name) DECLARE_WAIT_QUEUE_HEAD(name)

#define __WAITQUEUE_INITIALIZER(name, tsk)                                                         \
    {                                                                                              \
        0, (tsk), default_wake_function, {                                                         \
            NULL, NULL                                                                             \
        }                                                                                          \
    }
#define DECLARE_WAITQUEUE(name, tsk)                                                               \
    struct wait_queue_entry name = __WAITQUEUE_INITIALIZER(name, tsk)

#define DEFINE_WAIT_FUNC(name, function)                                                           \
    struct wait_queue_entry name = {0, get_current(), function, {&(name).entry, &(name).entry}}
#define DEFINE_WAIT(name) DEFINE_WAIT_FUNC(name, autoremove_wake_function)

KAPI_BEGIN
void __init_waitqueue_head(struct wait_queue_head *wq_head, const char *name,
                           struct lock_class_key *key);
void init_wait_entry(struct wait_queue_entry *wq_entry, int flags);
void add_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
void add_wait_queue_exclusive(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
void remove_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
void prepare_to_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, int state);
bool prepare_to_wait_exclusive(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry,
                               int state);
/* Queues the entry and sets the state; returns -ERESTARTSYS (and leaves the queue) if the
 * state is interruptible and a signal is pending. */
long prepare_to_wait_event(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry,
                           int state);
void finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
int waitqueue_active(struct wait_queue_head *wq_head);
bool wq_has_sleeper(struct wait_queue_head *wq_head);

int default_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int flags, void *key);
int autoremove_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int flags,
                             void *key);
void __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr, void *key);
void __wake_up_locked(struct wait_queue_head *wq_head, unsigned int mode, int nr);

/* The task-state half of <linux/sched.h>. */
void __lkmfs_set_current_state(unsigned int state);
long schedule_timeout(long timeout);
long schedule_timeout_interruptible(long timeout);
long schedule_timeout_killable(long timeout);
long schedule_timeout_uninterruptible(long timeout);
long schedule_timeout_idle(long timeout);
int wake_up_process(struct task_struct *tsk);
int wake_up_state(struct task_struct *tsk, unsigned int state);
KAPI_END

#define set_current_state(state_value) __lkmfs_set_current_state(state_value)
#define __set_current_state(state_value) __lkmfs_set_current_state(state_value)

#define init_waitqueue_head(wq_head)                                                               \
    do {                                                                                           \
        static struct lock_class_key __key;                                                        \
        __init_waitqueue_head((wq_head), #wq_head, &__key);                                        \
    } while (0)
#define init_wait(wait) init_wait_entry((wait), 0)

static inline void init_waitqueue_func_entry(struct wait_queue_entry *wq_entry,
                                             wait_queue_func_t func) {
    wq_entry->flags = 0;
#ifdef __cplusplus
    wq_entry->private_ = NULL;
#else
    wq_entry->private = NULL;
#endif
    wq_entry->func = func;
}

#define wake_up(x) __wake_up(x, TASK_NORMAL, 1, NULL)
#define wake_up_nr(x, nr) __wake_up(x, TASK_NORMAL, nr, NULL)
#define wake_up_all(x) __wake_up(x, TASK_NORMAL, 0, NULL)
#define wake_up_locked(x) __wake_up_locked((x), TASK_NORMAL, 1)
#define wake_up_all_locked(x) __wake_up_locked((x), TASK_NORMAL, 0)
#define wake_up_interruptible(x) __wake_up(x, TASK_INTERRUPTIBLE, 1, NULL)
#define wake_up_interruptible_nr(x, nr) __wake_up(x, TASK_INTERRUPTIBLE, nr, NULL)
#define wake_up_interruptible_all(x) __wake_up(x, TASK_INTERRUPTIBLE, 0, NULL)
#define wake_up_interruptible_sync(x) wake_up_interruptible(x)
/* The poll mask travels as the key, for wake functions that filter on it (a poll entry
 * is woken only for the events its poller waits for; a NULL key wakes every entry). */
#define poll_to_key(m) ((void *)(uintptr_t)(__poll_t)(m))
#define key_to_poll(m) ((__poll_t)(uintptr_t)(void *)(m))
#define wake_up_poll(x, m) __wake_up(x, TASK_NORMAL, 1, poll_to_key(m))
#define wake_up_interruptible_poll(x, m) __wake_up(x, TASK_INTERRUPTIBLE, 1, poll_to_key(m))
#define wake_up_interruptible_sync_poll(x, m) wake_up_interruptible_poll(x, m)

/*
 * The wait_event family. ___wait_event() loops: queue the entry and set the state, test the
 * condition, leave with -ERESTARTSYS if interruptible and signalled, else run `cmd` (sleep).
 */
#define ___wait_is_interruptible(state)                                                            \
    (__builtin_constant_p(state) ? ((state) == TASK_INTERRUPTIBLE || (state) == TASK_KILLABLE)     \
                                 : ((state) & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)) != 0)

#define ___wait_event(wq_head, condition, state, exclusive, ret, cmd)                              \
    __extension__({                                                                                \
        struct wait_queue_entry __wq_entry;                                                        \
        long __ret = ret; /* the _timeout forms' cmd updates it */                                 \
        init_wait_entry(&__wq_entry, (exclusive) ? WQ_FLAG_EXCLUSIVE : 0);                         \
        for (;;) {                                                                                 \
            long __int = prepare_to_wait_event(&(wq_head), &__wq_entry, state);                    \
            if (condition)                                                                         \
                break;                                                                             \
            if (___wait_is_interruptible(state) && __int) {                                        \
                __ret = __int;                                                                     \
                break;                                                                             \
            }                                                                                      \
            cmd;                                                                                   \
        }                                                                                          \
        finish_wait(&(wq_head), &__wq_entry);                                                      \
        __ret;                                                                                     \
    })

/* For the _timeout forms: true when done (condition true or time up); a true condition
 * found when the time is just up still counts as success (1 jiffy left), as in Linux. */
#define ___wait_cond_timeout(condition)                                                            \
    __extension__({                                                                                \
        bool __cond = (condition);                                                                 \
        if (__cond && !__ret)                                                                      \
            __ret = 1;                                                                             \
        __cond || !__ret;                                                                          \
    })

#define wait_event(wq_head, condition)                                                             \
    do {                                                                                           \
        might_sleep();                                                                             \
        if (condition)                                                                             \
            break;                                                                                 \
        (void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE, 0, 0,                        \
                            schedule_timeout(MAX_SCHEDULE_TIMEOUT));                               \
    } while (0)

#define wait_event_idle(wq_head, condition)                                                        \
    do {                                                                                           \
        might_sleep();                                                                             \
        if (condition)                                                                             \
            break;                                                                                 \
        (void)___wait_event(wq_head, condition, TASK_IDLE, 0, 0,                                   \
                            schedule_timeout(MAX_SCHEDULE_TIMEOUT));                               \
    } while (0)

#define wait_event_timeout(wq_head, condition, timeout)                                            \
    __extension__({                                                                                \
        long __ret = (long)(timeout);                                                              \
        might_sleep();                                                                             \
        if (!___wait_cond_timeout(condition))                                                      \
            __ret = ___wait_event(wq_head, ___wait_cond_timeout(condition), TASK_UNINTERRUPTIBLE,  \
                                  0, (long)(timeout), __ret = schedule_timeout(__ret));            \
        __ret;                                                                                     \
    })

#define wait_event_interruptible(wq_head, condition)                                               \
    __extension__({                                                                                \
        int __ret = 0;                                                                             \
        might_sleep();                                                                             \
        if (!(condition))                                                                          \
            __ret = (int)___wait_event(wq_head, condition, TASK_INTERRUPTIBLE, 0, 0,               \
                                       schedule_timeout(MAX_SCHEDULE_TIMEOUT));                    \
        __ret;                                                                                     \
    })

#define wait_event_interruptible_exclusive(wq_head, condition)                                     \
    __extension__({                                                                                \
        int __ret = 0;                                                                             \
        might_sleep();                                                                             \
        if (!(condition))                                                                          \
            __ret = (int)___wait_event(wq_head, condition, TASK_INTERRUPTIBLE, 1, 0,               \
                                       schedule_timeout(MAX_SCHEDULE_TIMEOUT));                    \
        __ret;                                                                                     \
    })

#define wait_event_killable(wq_head, condition)                                                    \
    __extension__({                                                                                \
        int __ret = 0;                                                                             \
        might_sleep();                                                                             \
        if (!(condition))                                                                          \
            __ret = (int)___wait_event(wq_head, condition, TASK_KILLABLE, 0, 0,                    \
                                       schedule_timeout(MAX_SCHEDULE_TIMEOUT));                    \
        __ret;                                                                                     \
    })

#define wait_event_interruptible_timeout(wq_head, condition, timeout)                              \
    __extension__({                                                                                \
        long __ret = (long)(timeout);                                                              \
        might_sleep();                                                                             \
        if (!___wait_cond_timeout(condition))                                                      \
            __ret = ___wait_event(wq_head, ___wait_cond_timeout(condition), TASK_INTERRUPTIBLE, 0, \
                                  (long)(timeout), __ret = schedule_timeout(__ret));               \
        __ret;                                                                                     \
    })

#define wait_event_killable_timeout(wq_head, condition, timeout)                                   \
    __extension__({                                                                                \
        long __ret = (long)(timeout);                                                              \
        might_sleep();                                                                             \
        if (!___wait_cond_timeout(condition))                                                      \
            __ret = ___wait_event(wq_head, ___wait_cond_timeout(condition), TASK_KILLABLE, 0,      \
                                  (long)(timeout), __ret = schedule_timeout(__ret));               \
        __ret;                                                                                     \
    })

#endif
