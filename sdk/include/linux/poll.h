/* SPDX-License-Identifier: GPL-2.0 */
/*
 * poll/select/epoll support for a file's proc_poll, as <linux/poll.h> (with the event bits
 * of <uapi/linux/eventpoll.h> and <uapi/asm-generic/poll.h>, which it includes in Linux).
 *
 * A proc_poll handler calls poll_wait(file, &queue, table) for every queue whose wake-up
 * may change its answer, then returns the events ready now (EPOLLIN | EPOLLRDNORM when
 * there is something to read, ...). lkmfs's table puts one entry per queue and open file
 * on the queue; it stays there, however often poll_wait is called again, until the file
 * is released (or its entry removed), and a wake_up*() of the queue makes the kernel poll
 * the file again. The queue must therefore live until the file's release.
 *
 * (For the daemon's own C++ code and tests, which may see glibc's headers too: include
 * <sys/epoll.h>, whose EPOLL* are an enum, before this header, if at all.)
 */
#ifndef _LKMFS_LINUX_POLL_H
#define _LKMFS_LINUX_POLL_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/fs.h>
#include <linux/wait.h>
#include <asm/barrier.h>

/* The event bits (__poll_t), as epoll and Linux's f_op->poll use them. */
#ifndef EPOLLIN
#define EPOLLIN ((__poll_t)0x00000001)
#define EPOLLPRI ((__poll_t)0x00000002)
#define EPOLLOUT ((__poll_t)0x00000004)
#define EPOLLERR ((__poll_t)0x00000008)
#define EPOLLHUP ((__poll_t)0x00000010)
#define EPOLLNVAL ((__poll_t)0x00000020)
#define EPOLLRDNORM ((__poll_t)0x00000040)
#define EPOLLRDBAND ((__poll_t)0x00000080)
#define EPOLLWRNORM ((__poll_t)0x00000100)
#define EPOLLWRBAND ((__poll_t)0x00000200)
#define EPOLLMSG ((__poll_t)0x00000400)
#define EPOLLRDHUP ((__poll_t)0x00002000)
#define EPOLLEXCLUSIVE ((__poll_t)(1U << 28))
#define EPOLLWAKEUP ((__poll_t)(1U << 29))
#define EPOLLONESHOT ((__poll_t)(1U << 30))
#define EPOLLET ((__poll_t)(1U << 31))
#endif

/* The poll(2) names, with the same values on x86-64, spelt as glibc's <bits/poll.h> spells
 * them: identical redefinitions, so <poll.h> may come before or after this header. */
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLMSG 0x400
#define POLLREMOVE 0x1000
#define POLLRDHUP 0x2000

/* What a file without a poll handler answers: always readable and writable. */
#define DEFAULT_POLLMASK (EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM)

struct poll_table_struct;

typedef void (*poll_queue_proc)(struct file *, wait_queue_head_t *, struct poll_table_struct *);

/* Opaque to handlers: use poll_wait(), poll_does_not_wait(), poll_requested_events(). */
typedef struct poll_table_struct {
    poll_queue_proc _qproc;
    __poll_t _key;
} poll_table;

/*
 * Registers the caller's interest in `wait_address`. With no table, or a table that does
 * not wait (the poller already has an answer), it does nothing. The barrier orders the
 * queueing before the handler's test of its condition, which a waker's wq_has_sleeper()
 * pairs with.
 */
static inline void poll_wait(struct file *filp, wait_queue_head_t *wait_address, poll_table *p) {
    if (p == NULL || p->_qproc == NULL || wait_address == NULL)
        return;
    p->_qproc(filp, wait_address, p);
    smp_mb();
}

/* True when this call will not sleep, so registering on queues is pointless. */
static inline bool poll_does_not_wait(const poll_table *p) {
    return p == NULL || p->_qproc == NULL;
}

/* The events the poller waits for (every event when unknown). */
static inline __poll_t poll_requested_events(const poll_table *p) {
    return p != NULL ? p->_key : ~(__poll_t)0;
}

static inline void init_poll_funcptr(poll_table *pt, poll_queue_proc qproc) {
    pt->_qproc = qproc;
    pt->_key = ~(__poll_t)0;
}

#endif
