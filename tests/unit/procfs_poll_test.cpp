// poll/select/epoll through proc_poll (fsd/procfs/file_poll.cpp, file_ops.cpp's poll_file):
// poll_wait() puts the open file on a queue once, whatever the number of calls; a wake-up
// of the queue, from any thread, calls the file's newest notifier (filtered by the events
// its pollers wait for); a release takes the file off every queue before proc_release; a
// removal does too, and tells a waiting poller to poll again; entries without proc_poll,
// and removed ones, answer DEFAULT_POLLMASK. The handlers are C (procfs_poll_module.c).
#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "kernel/loaded_module.h"
#include "procfs/file_ops.h"
#include "procfs/proc_tree.h"
#include "procfs_poll_module.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <unistd.h>
#include <vector>

#include <linux/poll.h>
#include <linux/proc_fs.h>

namespace lkmfs::procfs {
namespace {

// A notifier that counts its calls, and whose last copy's destruction (procfs letting go
// of the poll handle) can be observed.
struct Notifier {
    std::atomic<int> calls{0};
    std::weak_ptr<int> alive;
    PollNotify get() {
        auto token = std::make_shared<int>(0);
        alive = token;
        return [this, token] { calls.fetch_add(1); };
    }
    int count() const { return calls.load(); }
    bool destroyed() const { return alive.expired(); }
};

// Entries on a wait queue.
int queued(wait_queue_head_t *wq) {
    int n = 0;
    spin_lock(&wq->lock);
    for (list_head *p = wq->head.next; p != &wq->head; p = p->next)
        ++n;
    spin_unlock(&wq->lock);
    return n;
}

class ProcfsPollTest : public ::testing::Test {
  protected:
    ProcfsPollTest() { poll_probe_reset(0); }

    static kernel::KernelOptions quiet() {
        kernel::KernelOptions o;
        o.console_loglevel = 0;
        return o;
    }
    proc_dir_entry::Ptr create(const char *name, const struct proc_ops *ops) {
        proc_dir_entry *de = proc_create(name, 0666, nullptr, ops);
        EXPECT_NE(de, nullptr) << name;
        return de != nullptr ? kernel_.proc().find(de->ino) : nullptr;
    }
    std::shared_ptr<OpenFile> open(const proc_dir_entry::Ptr &entry) {
        OpenResult r = open_entry(entry, O_RDWR);
        EXPECT_EQ(r.err, 0);
        return r.file;
    }

    kernel::Kernel kernel_{quiet()};
    kernel::TaskScope task_{kernel::Caller{getpid(), getuid(), getgid()}};
};

TEST_F(ProcfsPollTest, PollWaitEdgeCasesAndTheEventBitsAreLinuxs) {
    EXPECT_EQ(poll_wait_edge_cases_hold(), 1);
}

TEST_F(ProcfsPollTest, WithoutProcPollTheFileIsReadableAndWritableAndNeedsNoNotifier) {
    static const struct proc_ops no_poll {};
    auto entry = create("pl_none", &no_poll);
    auto f = open(entry);
    Notifier n;
    EXPECT_EQ(poll_file(*f, EPOLLIN, n.get()), DEFAULT_POLLMASK);
    EXPECT_TRUE(n.destroyed()) << "nothing will ever wake this file: the handle goes at once";
    release_file(f);
}

TEST_F(ProcfsPollTest, PollWaitRegistersOncePerQueueAndAWakeUpNotifies) {
    auto entry = create("pl_once", &poll_probe_ops);
    auto f = open(entry);
    Notifier n;
    poll_probe.answer = EPOLLOUT | EPOLLWRNORM;
    EXPECT_EQ(poll_file(*f, EPOLLIN | EPOLLOUT, n.get()), EPOLLOUT | EPOLLWRNORM);
    EXPECT_EQ(poll_file(*f, EPOLLIN | EPOLLOUT, n.get()), EPOLLOUT | EPOLLWRNORM);
    EXPECT_EQ(poll_probe.polls, 2);
    EXPECT_FALSE(poll_probe.did_not_wait);
    EXPECT_EQ(poll_probe.requested, EPOLLIN | EPOLLOUT);
    EXPECT_EQ(f->poll.queue_count(), 2u);
    EXPECT_EQ(queued(&poll_probe.q1), 1) << "one entry per file and queue";
    EXPECT_EQ(queued(&poll_probe.q2), 1);
    EXPECT_EQ(n.count(), 0);
    wake_up(&poll_probe.q1);
    EXPECT_EQ(n.count(), 1);
    wake_up_interruptible_all(&poll_probe.q2);
    EXPECT_EQ(n.count(), 2);
    // The entries stay for the next poller, until the release.
    EXPECT_EQ(queued(&poll_probe.q1), 1);
    release_file(f);
}

TEST_F(ProcfsPollTest, APollThatWillNotSleepRegistersNothing) {
    auto entry = create("pl_nowait", &poll_probe_ops);
    auto f = open(entry);
    poll_probe.answer = EPOLLIN;
    EXPECT_EQ(poll_file(*f, EPOLLIN | EPOLLERR | EPOLLHUP), EPOLLIN);
    EXPECT_TRUE(poll_probe.did_not_wait);
    EXPECT_EQ(poll_probe.requested, EPOLLIN | EPOLLERR | EPOLLHUP);
    EXPECT_EQ(f->poll.queue_count(), 0u);
    EXPECT_FALSE(waitqueue_active(&poll_probe.q1));
    release_file(f);
}

TEST_F(ProcfsPollTest, KeyedWakeUpsReachOnlyPollersOfThoseEvents) {
    auto entry = create("pl_keyed", &poll_probe_ops);
    auto f = open(entry);
    Notifier n;
    poll_file(*f, EPOLLIN | EPOLLRDNORM, n.get());
    wake_up_poll(&poll_probe.q1, EPOLLOUT | EPOLLWRNORM);
    EXPECT_EQ(n.count(), 0) << "nobody waits for output";
    wake_up_poll(&poll_probe.q1, EPOLLIN);
    EXPECT_EQ(n.count(), 1);
    wake_up(&poll_probe.q1); // no key: every entry
    EXPECT_EQ(n.count(), 2);
    // Another poller of the same file waits for output: both now pass.
    poll_file(*f, EPOLLOUT, n.get());
    wake_up_interruptible_poll(&poll_probe.q1, EPOLLOUT);
    EXPECT_EQ(n.count(), 3);
    wake_up_interruptible_poll(&poll_probe.q1, EPOLLIN);
    EXPECT_EQ(n.count(), 4);
    release_file(f);
}

TEST_F(ProcfsPollTest, EachPollReplacesTheNotifierAndDestroysTheOldOne) {
    auto entry = create("pl_replace", &poll_probe_ops);
    auto f = open(entry);
    Notifier first, second;
    poll_file(*f, EPOLLIN, first.get());
    EXPECT_FALSE(first.destroyed());
    poll_file(*f, EPOLLIN, second.get());
    EXPECT_TRUE(first.destroyed());
    poll_file(*f, EPOLLIN); // no new notifier: the last one stays
    wake_up(&poll_probe.q2);
    EXPECT_EQ(second.count(), 1);
    release_file(f);
}

TEST_F(ProcfsPollTest, ReleaseTakesTheFileOffItsQueuesBeforeProcRelease) {
    auto entry = create("pl_release", &poll_probe_ops);
    auto f = open(entry);
    Notifier n;
    poll_file(*f, EPOLLIN, n.get());
    ASSERT_TRUE(waitqueue_active(&poll_probe.q1));
    release_file(f);
    EXPECT_EQ(poll_probe.releases, 1);
    EXPECT_EQ(poll_probe.queues_busy_at_release, 0) << "proc_release may free the queues";
    EXPECT_FALSE(waitqueue_active(&poll_probe.q1));
    EXPECT_FALSE(waitqueue_active(&poll_probe.q2));
    EXPECT_TRUE(n.destroyed());
    EXPECT_EQ(f->poll.queue_count(), 0u);
}

TEST_F(ProcfsPollTest, RemovalWakesTheWaitingPollerOnceThenAnswersDefaultPollmask) {
    auto entry = create("pl_removed", &poll_probe_ops);
    auto f = open(entry);
    Notifier n;
    poll_file(*f, EPOLLIN, n.get());
    remove_proc_entry("pl_removed", nullptr);
    EXPECT_EQ(n.count(), 1) << "the poller must not wait for a wake-up that cannot come";
    EXPECT_EQ(poll_probe.releases, 1);
    EXPECT_EQ(poll_probe.queues_busy_at_release, 0);
    EXPECT_FALSE(waitqueue_active(&poll_probe.q1));
    EXPECT_TRUE(n.destroyed());
    // The poller polls again: as proc_reg_poll() for a removed entry, without the handler.
    Notifier later;
    EXPECT_EQ(poll_file(*f, EPOLLIN, later.get()), DEFAULT_POLLMASK);
    EXPECT_TRUE(later.destroyed());
    EXPECT_EQ(poll_probe.polls, 1);
    release_file(f); // the close after the rundown: nothing more
    EXPECT_EQ(poll_probe.releases, 1);
}

TEST_F(ProcfsPollTest, TheHandlerRunsInTheOwnersModuleScope) {
    static kernel::LoadedModule *seen = nullptr;
    struct proc_ops ops {};
    ops.proc_poll = [](struct file *, struct poll_table_struct *) -> __poll_t {
        seen = kernel::exec_context().module;
        return EPOLLIN;
    };
    kernel::LoadedModule m("pl_module", "test", kernel::ModuleImage{});
    proc_dir_entry *de = nullptr;
    {
        kernel::ModuleScope scope(&m);
        de = proc_create("pl_scope", 0444, nullptr, &ops);
    }
    ASSERT_NE(de, nullptr);
    auto f = open(kernel_.proc().find(de->ino));
    EXPECT_EQ(poll_file(*f), EPOLLIN);
    EXPECT_EQ(seen, &m);
    EXPECT_EQ(kernel::exec_context().module, nullptr);
    release_file(f);
    remove_proc_entry("pl_scope", nullptr);
}

TEST_F(ProcfsPollTest, OneWakeUpNotifiesEveryFileOnTheQueue) {
    auto entry = create("pl_many", &poll_probe_ops);
    std::vector<std::shared_ptr<OpenFile>> files;
    std::vector<Notifier> notifiers(20);
    for (auto &n : notifiers) {
        files.push_back(open(entry));
        poll_file(*files.back(), EPOLLIN, n.get());
    }
    EXPECT_EQ(queued(&poll_probe.q1), 20);
    wake_up_interruptible(&poll_probe.q1); // nr_exclusive 1: poll entries are not exclusive
    for (auto &n : notifiers)
        EXPECT_EQ(n.count(), 1);
    for (auto &f : files)
        release_file(f);
    EXPECT_FALSE(waitqueue_active(&poll_probe.q1));
}

TEST_F(ProcfsPollTest, PollEntriesLeaveOtherSleepersOnTheQueueAlone) {
    auto entry = create("pl_mixed", &poll_probe_ops);
    auto f = open(entry);
    Notifier n;
    poll_file(*f, EPOLLIN, n.get());
    std::atomic<bool> go{false}, woke{false};
    std::thread sleeper([&] {
        wait_event_interruptible(poll_probe.q1, go.load());
        woke.store(true);
    });
    while (queued(&poll_probe.q1) < 2)
        std::this_thread::yield();
    go.store(true);
    wake_up(&poll_probe.q1);
    sleeper.join();
    EXPECT_TRUE(woke.load());
    EXPECT_EQ(n.count(), 1);
    EXPECT_EQ(queued(&poll_probe.q1), 1) << "the sleeper left; the poll entry stays";
    release_file(f);
}

// Wake-ups come from any thread (a timer on the softirq thread, another request) while
// files are polled and released: no wake function may run on a released file's entries.
TEST_F(ProcfsPollTest, WakeUpsFromOtherThreadsRaceSafelyWithPollAndRelease) {
    auto entry = create("pl_race", &poll_probe_ops);
    std::atomic<bool> stop{false};
    std::atomic<int> notified{0};
    std::vector<std::thread> wakers;
    for (int i = 0; i < 2; ++i) {
        wakers.emplace_back([&, i] {
            while (!stop.load()) {
                if (i == 0)
                    wake_up_all(&poll_probe.q1);
                else
                    wake_up_interruptible_poll(&poll_probe.q2, EPOLLIN);
            }
        });
    }
    // Until the wakers have hit live entries for a while (bounded: 5 s).
    auto start = std::chrono::steady_clock::now();
    for (int round = 0;; ++round) {
        auto elapsed = std::chrono::steady_clock::now() - start;
        if ((round >= 300 && notified.load() > 100) || elapsed > std::chrono::seconds(5))
            break;
        auto f = open(entry);
        poll_file(*f, EPOLLIN, [&] { notified.fetch_add(1); });
        poll_file(*f, EPOLLIN, [&] { notified.fetch_add(1); });
        release_file(f);
    }
    stop.store(true);
    for (auto &t : wakers)
        t.join();
    EXPECT_FALSE(waitqueue_active(&poll_probe.q1));
    EXPECT_FALSE(waitqueue_active(&poll_probe.q2));
    EXPECT_EQ(poll_probe.queues_busy_at_release, 0);
    EXPECT_GT(notified.load(), 0);
}

} // namespace
} // namespace lkmfs::procfs
