// Spin locks and rwlocks (fsd/kernel/spinlock.cpp): they exclude (a non-atomic counter
// bumped under them by many threads loses nothing), trylock fails while held, rwlock
// readers share and writers exclude, and every form keeps this thread's atomic context
// (preempt count, interrupt state, held locks) as Linux does.
#include "kernel/atomic_context.h"
#include "sync_test_support.h"

#include <linux/spinlock.h>

namespace lkmfs::kernel::sync_test {
namespace {

constexpr int kThreads = 8;
constexpr int kPerThread = 20000;

TEST(SyncSpinlockTest, SpinLockExcludes) {
    DEFINE_SPINLOCK(lock);
    long counter = 0;
    run_threads(kThreads, [&](int) {
        for (int n = 0; n < kPerThread; ++n) {
            spin_lock(&lock);
            racy_increment(&counter);
            spin_unlock(&lock);
        }
    });
    EXPECT_EQ(counter, kThreads * kPerThread);
}

TEST(SyncSpinlockTest, EveryFormExcludesTheOthers) {
    spinlock_t lock;
    spin_lock_init(&lock);
    long counter = 0;
    run_threads(4, [&](int i) {
        for (int n = 0; n < kPerThread; ++n) {
            unsigned long flags;
            switch (i) {
            case 0:
                spin_lock_irqsave(&lock, flags);
                racy_increment(&counter);
                spin_unlock_irqrestore(&lock, flags);
                break;
            case 1:
                spin_lock_irq(&lock);
                racy_increment(&counter);
                spin_unlock_irq(&lock);
                break;
            case 2:
                spin_lock_bh(&lock);
                racy_increment(&counter);
                spin_unlock_bh(&lock);
                break;
            default:
                while (!spin_trylock(&lock)) {
                }
                racy_increment(&counter);
                spin_unlock(&lock);
            }
        }
    });
    EXPECT_EQ(counter, 4 * kPerThread);
}

TEST(SyncSpinlockTest, TrylockFailsWhileHeldElsewhere) {
    DEFINE_SPINLOCK(lock);
    spin_lock(&lock);
    EXPECT_TRUE(spin_is_locked(&lock));
    int got = -1;
    std::thread([&] { got = spin_trylock(&lock); }).join();
    EXPECT_EQ(got, 0);
    spin_unlock(&lock);
    EXPECT_FALSE(spin_is_locked(&lock));
    std::thread([&] {
        got = spin_trylock(&lock);
        if (got)
            spin_unlock(&lock);
    }).join();
    EXPECT_EQ(got, 1);
}

TEST(SyncSpinlockTest, SpinLockDisablesPreemptionWhileHeld) {
    DEFINE_SPINLOCK(lock);
    EXPECT_EQ(preempt_count(), 0);
    EXPECT_TRUE(preemptible());
    spin_lock(&lock);
    EXPECT_TRUE(in_atomic());
    EXPECT_FALSE(preemptible());
    EXPECT_FALSE(irqs_disabled());
    EXPECT_TRUE(lockdep_is_held(&lock));
    EXPECT_TRUE(in_atomic_context());
    spin_unlock(&lock);
    EXPECT_FALSE(in_atomic());
    EXPECT_FALSE(lockdep_is_held(&lock));
    EXPECT_FALSE(in_atomic_context());
}

TEST(SyncSpinlockTest, IrqsaveRestoresThePreviousState) {
    DEFINE_SPINLOCK(outer);
    DEFINE_SPINLOCK(inner);
    unsigned long f1, f2;
    spin_lock_irqsave(&outer, f1);
    EXPECT_TRUE(irqs_disabled());
    EXPECT_FALSE(irqs_disabled_flags(f1));
    spin_lock_irqsave(&inner, f2);
    EXPECT_TRUE(irqs_disabled_flags(f2));
    EXPECT_EQ(preempt_count(), 2);
    spin_unlock_irqrestore(&inner, f2);
    EXPECT_TRUE(irqs_disabled()) << "the inner restore keeps the outer section's state";
    spin_unlock_irqrestore(&outer, f1);
    EXPECT_FALSE(irqs_disabled());
    EXPECT_EQ(preempt_count(), 0);
}

TEST(SyncSpinlockTest, BottomHalvesCountAsSoftirqDisabled) {
    DEFINE_SPINLOCK(lock);
    spin_lock_bh(&lock);
    EXPECT_TRUE(in_softirq());
    EXPECT_FALSE(in_serving_softirq());
    spin_unlock_bh(&lock);
    EXPECT_FALSE(in_softirq());
    {
        SoftirqScope softirq;
        EXPECT_TRUE(in_serving_softirq());
        EXPECT_TRUE(in_interrupt());
        EXPECT_FALSE(in_task());
    }
    EXPECT_TRUE(in_task());
}

TEST(SyncSpinlockTest, LocalIrqAndPreemptCallsNest) {
    unsigned long flags;
    local_irq_save(flags);
    EXPECT_TRUE(irqs_disabled());
    local_irq_enable();
    EXPECT_FALSE(irqs_disabled());
    local_irq_disable();
    local_irq_restore(flags);
    EXPECT_FALSE(irqs_disabled());
    preempt_disable();
    preempt_disable();
    EXPECT_EQ(preempt_count(), 2);
    preempt_enable();
    preempt_enable();
    EXPECT_TRUE(preemptible());
}

TEST(SyncSpinlockTest, AtomicContextIsPerThread) {
    DEFINE_SPINLOCK(lock);
    spin_lock(&lock);
    int other = -1;
    std::thread([&] { other = preempt_count(); }).join();
    EXPECT_EQ(other, 0);
    spin_unlock(&lock);
}

TEST(SyncSpinlockTest, HeldLocksAreListedInOrder) {
    DEFINE_SPINLOCK(a);
    DEFINE_RWLOCK(b);
    spin_lock(&a);
    read_lock(&b);
    auto held = held_locks();
    ASSERT_EQ(held.size(), 2u);
    EXPECT_STREQ(held[0].map->name, "a");
    EXPECT_EQ(held[1].kind, LockKind::RwlockRead);
    spin_unlock(&a); // out of order, as kernel code may
    ASSERT_EQ(held_locks().size(), 1u);
    EXPECT_EQ(held_locks()[0].map, &b.dep_map);
    read_unlock(&b);
    EXPECT_TRUE(held_locks().empty());
}

TEST(SyncRwlockTest, WritersExcludeEachOtherAndReaders) {
    DEFINE_RWLOCK(lock);
    long counter = 0;
    std::atomic<bool> torn{false};
    run_threads(kThreads, [&](int i) {
        for (int n = 0; n < kPerThread / 2; ++n) {
            if (i % 2 == 0) {
                write_lock(&lock);
                racy_increment(&counter);
                racy_increment(&counter);
                write_unlock(&lock);
            } else {
                read_lock(&lock);
                long v = counter;
                if (v % 2 != 0)
                    torn.store(true); // a reader saw a writer's half-done update
                read_unlock(&lock);
            }
        }
    });
    EXPECT_EQ(counter, kThreads / 2 * kPerThread);
    EXPECT_FALSE(torn.load());
}

TEST(SyncRwlockTest, ReadersShareTheLock) {
    DEFINE_RWLOCK(lock);
    std::atomic<int> inside{0};
    std::atomic<int> most{0};
    run_threads(4, [&](int) {
        read_lock(&lock);
        int now = inside.fetch_add(1) + 1;
        most.store(std::max(most.load(), now));
        // Wait (bounded) until every reader is inside at once: only possible if they share.
        auto until = Clock::now() + 2s;
        while (inside.load() < 4 && Clock::now() < until)
            std::this_thread::yield();
        most.store(std::max(most.load(), inside.load()));
        read_unlock(&lock);
    });
    EXPECT_EQ(most.load(), 4);
}

TEST(SyncRwlockTest, TrylockAndIrqForms) {
    rwlock_t lock;
    rwlock_init(&lock);
    unsigned long flags;
    read_lock_irqsave(&lock, flags);
    EXPECT_TRUE(irqs_disabled());
    int w = -1;
    int r = -1;
    std::thread([&] {
        w = write_trylock(&lock);
        r = read_trylock(&lock);
        if (r)
            read_unlock(&lock);
    }).join();
    EXPECT_EQ(w, 0);
    EXPECT_EQ(r, 1);
    read_unlock_irqrestore(&lock, flags);
    EXPECT_FALSE(irqs_disabled());
    write_lock_irqsave(&lock, flags);
    std::thread([&] { r = read_trylock(&lock); }).join();
    EXPECT_EQ(r, 0);
    write_unlock_irqrestore(&lock, flags);
    EXPECT_EQ(preempt_count(), 0);
}

TEST(SyncRwlockTest, AWaitingWriterIsNotStarvedByReaders) {
    DEFINE_RWLOCK(lock);
    std::atomic<bool> stop{false};
    std::atomic<bool> wrote{false};
    std::vector<std::thread> readers;
    for (int i = 0; i < 3; ++i) {
        readers.emplace_back([&] {
            while (!stop.load()) {
                read_lock(&lock);
                std::this_thread::yield();
                read_unlock(&lock);
            }
        });
    }
    std::thread writer([&] {
        write_lock(&lock);
        wrote.store(true);
        write_unlock(&lock);
    });
    auto until = Clock::now() + 5s;
    while (!wrote.load() && Clock::now() < until)
        std::this_thread::sleep_for(1ms);
    bool in_time = wrote.load();
    stop.store(true);
    writer.join();
    for (auto &t : readers)
        t.join();
    EXPECT_TRUE(in_time) << "the writer waited for 5 s while readers came and went";
}

} // namespace
} // namespace lkmfs::kernel::sync_test
