/* Compiled as C (gnu11), as a module's proc_poll is. */
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/string.h>

#include "procfs_poll_module.h"

struct poll_probe poll_probe;

static __poll_t probe_poll(struct file *file, poll_table *wait) {
    poll_wait(file, &poll_probe.q1, wait);
    poll_wait(file, &poll_probe.q1, wait);
    poll_wait(file, &poll_probe.q2, wait);
    poll_probe.polls++;
    poll_probe.did_not_wait = poll_does_not_wait(wait);
    poll_probe.requested = poll_requested_events(wait);
    return poll_probe.answer;
}

static int probe_release(struct inode *inode, struct file *file) {
    (void)inode;
    (void)file;
    poll_probe.releases++;
    if (waitqueue_active(&poll_probe.q1) || waitqueue_active(&poll_probe.q2))
        poll_probe.queues_busy_at_release++;
    return 0;
}

const struct proc_ops poll_probe_ops = {
    .proc_poll = probe_poll,
    .proc_release = probe_release,
};

void poll_probe_reset(unsigned int answer) {
    memset(&poll_probe, 0, sizeof(poll_probe));
    init_waitqueue_head(&poll_probe.q1);
    init_waitqueue_head(&poll_probe.q2);
    poll_probe.answer = answer;
}

static int queue_proc_calls;

static void counting_queue_proc(struct file *file, wait_queue_head_t *wq, poll_table *pt) {
    (void)file;
    (void)wq;
    (void)pt;
    queue_proc_calls++;
}

int poll_wait_edge_cases_hold(void) {
    DECLARE_WAIT_QUEUE_HEAD(wq);
    poll_table pt;
    int ok = 1;

    /* No table, a table that does not wait, no queue: nothing is called. */
    poll_wait(NULL, &wq, NULL);
    init_poll_funcptr(&pt, NULL);
    poll_wait(NULL, &wq, &pt);
    ok &= poll_does_not_wait(&pt) && poll_does_not_wait(NULL);
    init_poll_funcptr(&pt, counting_queue_proc);
    poll_wait(NULL, NULL, &pt);
    ok &= queue_proc_calls == 0;
    /* A waiting table: called once per poll_wait(); every event wanted by default. */
    poll_wait(NULL, &wq, &pt);
    ok &= queue_proc_calls == 1 && !poll_does_not_wait(&pt);
    ok &= poll_requested_events(&pt) == ~(__poll_t)0 && poll_requested_events(NULL) == ~(__poll_t)0;
    /* The bits, as Linux 6.1 numbers them. */
    ok &= DEFAULT_POLLMASK == 0x145 && EPOLLIN == POLLIN && EPOLLOUT == POLLOUT &&
          EPOLLERR == POLLERR && EPOLLHUP == POLLHUP && EPOLLRDNORM == POLLRDNORM &&
          EPOLLWRNORM == POLLWRNORM && EPOLLPRI == POLLPRI && EPOLLRDHUP == 0x2000 &&
          EPOLLET == 0x80000000u;
    ok &= key_to_poll(poll_to_key(EPOLLIN | EPOLLRDNORM)) == (EPOLLIN | EPOLLRDNORM);
    return ok;
}
