/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The calling task, as <linux/sched.h>. `current` is the process on whose behalf a handler
 * runs: the process doing the read/write/open through the mount, or, during module init
 * and exit, the process that ran `lkmctl insmod`/`rmmod` (as insmod is in Linux).
 */
#ifndef _LKMFS_LINUX_SCHED_H
#define _LKMFS_LINUX_SCHED_H

#include_next <linux/sched.h>
#include <linux/types.h>
#include <linux/cred.h>
#include <lkmfs/kapi.h>

#define TASK_COMM_LEN 16

#define TASK_RUNNING 0x0000
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_KILLABLE (TASK_WAKEKILL | TASK_UNINTERRUPTIBLE)
#define TASK_WAKEKILL 0x0100

struct task_struct {
    unsigned int __state;
    pid_t pid;  /* thread id of the caller */
    pid_t tgid; /* process id of the caller */
    const struct cred *real_cred;
    const struct cred *cred;
    char comm[TASK_COMM_LEN];
};

KAPI_BEGIN
struct task_struct *get_current(void);
int signal_pending(struct task_struct *p);
int fatal_signal_pending(struct task_struct *p);
void schedule(void);
void yield(void);
KAPI_END

#ifdef __cplusplus
/* An object rather than a macro in C++: libstdc++ uses `current` as a member name. */
struct __lkmfs_current_task {
    struct task_struct *operator->() const {
        return get_current();
    }
    operator struct task_struct *() const { return get_current(); }
};
static constexpr __lkmfs_current_task current{};
#else
#define current get_current()
#endif

static inline pid_t task_pid_nr(struct task_struct *tsk) {
    return tsk->pid;
}
static inline pid_t task_tgid_nr(struct task_struct *tsk) {
    return tsk->tgid;
}
static inline char *get_task_comm_ptr(struct task_struct *tsk) {
    return tsk->comm;
}
#define get_task_comm(buf, tsk) strncpy(buf, (tsk)->comm, sizeof(buf))

/* As in Linux, <linux/sched.h> brings set_current_state(), schedule_timeout()... */
#include <linux/wait.h>

#endif
