// Wait queues (<linux/wait.h>) and task sleep/wake-up (schedule_timeout, wake_up_process).
//
// A task sleeps on its own state word (task_struct::__state) as a futex: a sleeper sets
// it to TASK_(UN)INTERRUPTIBLE before it re-checks its condition; a waker sets it back to
// TASK_RUNNING and wakes the futex. So a wake-up that comes between the check and the
// sleep makes the sleep return at once, exactly as in Linux. Queue entries are changed
// only under the queue's lock (the spin lock word of wait_queue_head, taken without
// touching the caller's atomic context: it is the scheduler's lock, not the module's).
#include "might_sleep.h"
#include "sleep.h"

#include <climits>

#include <linux/wait.h>

using namespace lkmfs::kernel;

namespace {

class QueueLock {
  public:
    explicit QueueLock(wait_queue_head *wq) : word_(&wq->lock.locked) {
        while (__atomic_exchange_n(word_, 1u, __ATOMIC_ACQUIRE) != 0) {
            while (__atomic_load_n(word_, __ATOMIC_RELAXED) != 0)
                sched_yield();
        }
    }
    ~QueueLock() { __atomic_store_n(word_, 0u, __ATOMIC_RELEASE); }
    QueueLock(const QueueLock &) = delete;
    QueueLock &operator=(const QueueLock &) = delete;

  private:
    unsigned int *word_;
};

void list_init(list_head *h) {
    h->next = h->prev = h;
}

bool list_empty(const list_head *h) {
    return h->next == h;
}

void list_insert(list_head *node, list_head *prev, list_head *next) {
    next->prev = node;
    node->next = next;
    node->prev = prev;
    prev->next = node;
}

void list_del_init(list_head *node) {
    node->prev->next = node->next;
    node->next->prev = node->prev;
    list_init(node);
}

// Non-exclusive waiters go first, exclusive ones last, as in Linux.
void enqueue(wait_queue_head *wq, wait_queue_entry *e) {
    if (e->flags & WQ_FLAG_EXCLUSIVE)
        list_insert(&e->entry, wq->head.prev, &wq->head);
    else
        list_insert(&e->entry, &wq->head, wq->head.next);
}

void set_state(task_struct *task, unsigned int state) {
    __atomic_store_n(&task->__state, state, __ATOMIC_SEQ_CST);
}

bool pending_for(unsigned int state) {
    return (state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)) != 0 && sleep_interrupted();
}

// try_to_wake_up(): wakes `task` if its state is one of `states`.
int wake_task(task_struct *task, unsigned int states) {
    unsigned int s = __atomic_load_n(&task->__state, __ATOMIC_SEQ_CST);
    do {
        if ((s & states) == 0)
            return 0;
    } while (!__atomic_compare_exchange_n(&task->__state, &s, TASK_RUNNING, true, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    futex_wake(&task->__state, 1);
    return 1;
}

void wake_locked(wait_queue_head *wq, unsigned int mode, int nr_exclusive, void *key) {
    list_head *pos = wq->head.next;
    while (pos != &wq->head) {
        list_head *next = pos->next; // the wake function may take the entry off
        auto *e = reinterpret_cast<wait_queue_entry *>(reinterpret_cast<char *>(pos) -
                                                       offsetof(wait_queue_entry, entry));
        unsigned int flags = e->flags;
        int ret = e->func(e, mode, 0, key);
        if (ret < 0)
            break;
        if (ret != 0 && (flags & WQ_FLAG_EXCLUSIVE) && --nr_exclusive == 0)
            break;
        pos = next;
    }
}

} // namespace

extern "C" void __init_waitqueue_head(struct wait_queue_head *wq_head, const char *name,
                                      struct lock_class_key *key) {
    wq_head->lock = spinlock_t{0, 0, lockdep_map{name, key}};
    list_init(&wq_head->head);
}

extern "C" void init_wait_entry(struct wait_queue_entry *wq_entry, int flags) {
    wq_entry->flags = static_cast<unsigned int>(flags);
    wq_entry->private_ = get_current();
    wq_entry->func = autoremove_wake_function;
    list_init(&wq_entry->entry);
}

extern "C" void add_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry) {
    QueueLock lock(wq_head);
    wq_entry->flags &= ~static_cast<unsigned int>(WQ_FLAG_EXCLUSIVE);
    enqueue(wq_head, wq_entry);
}

extern "C" void add_wait_queue_exclusive(struct wait_queue_head *wq_head,
                                         struct wait_queue_entry *wq_entry) {
    QueueLock lock(wq_head);
    wq_entry->flags |= WQ_FLAG_EXCLUSIVE;
    enqueue(wq_head, wq_entry);
}

extern "C" void remove_wait_queue(struct wait_queue_head *wq_head,
                                  struct wait_queue_entry *wq_entry) {
    QueueLock lock(wq_head);
    list_del_init(&wq_entry->entry);
}

extern "C" void prepare_to_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry,
                                int state) {
    QueueLock lock(wq_head);
    wq_entry->flags &= ~static_cast<unsigned int>(WQ_FLAG_EXCLUSIVE);
    if (list_empty(&wq_entry->entry))
        enqueue(wq_head, wq_entry);
    set_state(get_current(), static_cast<unsigned int>(state));
}

extern "C" bool prepare_to_wait_exclusive(struct wait_queue_head *wq_head,
                                          struct wait_queue_entry *wq_entry, int state) {
    QueueLock lock(wq_head);
    bool was_empty = list_empty(&wq_head->head);
    wq_entry->flags |= WQ_FLAG_EXCLUSIVE;
    if (list_empty(&wq_entry->entry))
        enqueue(wq_head, wq_entry);
    set_state(get_current(), static_cast<unsigned int>(state));
    return was_empty;
}

extern "C" long prepare_to_wait_event(struct wait_queue_head *wq_head,
                                      struct wait_queue_entry *wq_entry, int state) {
    QueueLock lock(wq_head);
    if (pending_for(static_cast<unsigned int>(state))) {
        // Leave the queue, so that a wake-up meant for an exclusive waiter goes to
        // another one rather than to us.
        list_del_init(&wq_entry->entry);
        return -ERESTARTSYS;
    }
    if (list_empty(&wq_entry->entry))
        enqueue(wq_head, wq_entry);
    set_state(get_current(), static_cast<unsigned int>(state));
    return 0;
}

extern "C" void finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry) {
    set_state(get_current(), TASK_RUNNING);
    QueueLock lock(wq_head);
    if (!list_empty(&wq_entry->entry))
        list_del_init(&wq_entry->entry);
}

extern "C" int waitqueue_active(struct wait_queue_head *wq_head) {
    QueueLock lock(wq_head);
    return list_empty(&wq_head->head) ? 0 : 1;
}

extern "C" bool wq_has_sleeper(struct wait_queue_head *wq_head) {
    return waitqueue_active(wq_head) != 0;
}

extern "C" int default_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int,
                                     void *) {
    return wake_task(static_cast<task_struct *>(wq_entry->private_), mode);
}

extern "C" int autoremove_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int sync,
                                        void *key) {
    int ret = default_wake_function(wq_entry, mode, sync, key);
    if (ret != 0)
        list_del_init(&wq_entry->entry);
    return ret;
}

extern "C" void __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr, void *key) {
    QueueLock lock(wq_head);
    wake_locked(wq_head, mode, nr, key);
}

// The caller holds wq_head->lock (spin_lock(&wq.lock)).
extern "C" void __wake_up_locked(struct wait_queue_head *wq_head, unsigned int mode, int nr) {
    wake_locked(wq_head, mode, nr, nullptr);
}

// ---- the task-state half of <linux/sched.h> ----------------------------------------------

extern "C" void __lkmfs_set_current_state(unsigned int state) {
    set_state(get_current(), state);
}

// Sleeps until the task is woken (its state set back to TASK_RUNNING), the timeout (in
// jiffies) passes or, in an interruptible state, a signal comes. Returns the jiffies left,
// 0 if the time ran out; MAX_SCHEDULE_TIMEOUT sleeps without a limit.
extern "C" long schedule_timeout(long timeout) {
    schedule_debug_check();
    task_struct *task = get_current();
    if (timeout < 0) {
        set_state(task, TASK_RUNNING);
        return 0;
    }
    Deadline deadline =
        timeout == MAX_SCHEDULE_TIMEOUT ? std::nullopt : deadline_after_jiffies(timeout);
    unsigned int state = __atomic_load_n(&task->__state, __ATOMIC_SEQ_CST);
    SleepMode mode = (state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)) != 0
                         ? SleepMode::Interruptible
                         : SleepMode::Uninterruptible;
    while (state != TASK_RUNNING) {
        Wakeup w = futex_sleep(&task->__state, state, mode, deadline);
        if (w != Wakeup::Woken)
            break;
        state = __atomic_load_n(&task->__state, __ATOMIC_SEQ_CST);
    }
    set_state(task, TASK_RUNNING);
    if (!deadline)
        return MAX_SCHEDULE_TIMEOUT;
    return jiffies_left(*deadline);
}

extern "C" long schedule_timeout_interruptible(long timeout) {
    __lkmfs_set_current_state(TASK_INTERRUPTIBLE);
    return schedule_timeout(timeout);
}

extern "C" long schedule_timeout_killable(long timeout) {
    __lkmfs_set_current_state(TASK_KILLABLE);
    return schedule_timeout(timeout);
}

extern "C" long schedule_timeout_uninterruptible(long timeout) {
    __lkmfs_set_current_state(TASK_UNINTERRUPTIBLE);
    return schedule_timeout(timeout);
}

extern "C" long schedule_timeout_idle(long timeout) {
    __lkmfs_set_current_state(TASK_IDLE);
    return schedule_timeout(timeout);
}

extern "C" int wake_up_process(struct task_struct *tsk) {
    return wake_task(tsk, TASK_NORMAL);
}

extern "C" int wake_up_state(struct task_struct *tsk, unsigned int state) {
    return wake_task(tsk, state);
}
