/* The C half of procfs_poll_test: an entry's handlers written as a C module writes them. */
#ifndef PROCFS_POLL_MODULE_H
#define PROCFS_POLL_MODULE_H

#include <linux/proc_fs.h>
#include <linux/wait.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the handlers saw and answer. */
struct poll_probe {
    wait_queue_head_t q1, q2;
    unsigned int answer;        /* what proc_poll returns */
    int polls;                  /* proc_poll calls */
    int did_not_wait;           /* poll_does_not_wait() in the last call */
    unsigned int requested;     /* poll_requested_events() in the last call */
    int releases;               /* proc_release calls */
    int queues_busy_at_release; /* waitqueue_active(q1 or q2) when proc_release ran */
};

extern struct poll_probe poll_probe;
/* proc_poll waits on q1 (twice, as a handler called twice would) and q2. */
extern const struct proc_ops poll_probe_ops;
void poll_probe_reset(unsigned int answer);
/* The poll_wait() edge cases of <linux/poll.h>: 1 if all behave. */
int poll_wait_edge_cases_hold(void);

#ifdef __cplusplus
}
#endif
#endif
