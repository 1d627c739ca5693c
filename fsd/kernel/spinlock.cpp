// Spin locks and reader-writer spin locks (<linux/spinlock.h>, <linux/rwlock.h>). They
// spin on the lock word: a few rounds with the CPU's pause hint, then yielding the host
// CPU, since the holder is a host thread that may itself have been descheduled.
#include "atomic_context.h"
#include "debug_checks.h"
#include "lock_report.h"
#include "lockdep.h"
#include "oops.h"
#include "oops_report.h"
#include "stack_trace.h"

#include <sched.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>

#include <linux/printk.h>
#include <linux/spinlock.h>

namespace lkmfs::kernel {

namespace {

constexpr int kSpinsBeforeYield = 128;

void cpu_relax_or_yield(int *spins) {
    if (++*spins < kSpinsBeforeYield) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else {
        sched_yield();
    }
}

void raw_spin_acquire(unsigned int *word) {
    int spins = 0;
    while (__atomic_exchange_n(word, 1u, __ATOMIC_ACQUIRE) != 0) {
        while (__atomic_load_n(word, __ATOMIC_RELAXED) != 0)
            cpu_relax_or_yield(&spins);
    }
}

bool raw_spin_try(unsigned int *word) {
    return __atomic_load_n(word, __ATOMIC_RELAXED) == 0 &&
           __atomic_exchange_n(word, 1u, __ATOMIC_ACQUIRE) == 0;
}

void raw_spin_release(unsigned int *word) {
    __atomic_store_n(word, 0u, __ATOMIC_RELEASE);
}

void set_owner(int *owner, int tid) {
    __atomic_store_n(owner, tid, __ATOMIC_RELAXED);
}

// ---- CONFIG_DEBUG_SPINLOCK's reports ----------------------------------------------------

// "cat/1234" for the holder: the current task, or another daemon thread by its name.
std::string owner_name(int owner) {
    if (owner == 0)
        return "<none>/-1";
    if (owner == current_tid()) {
        TaskIdentity task = current_identity();
        return task.comm + "/" + std::to_string(task.pid);
    }
    std::ifstream comm("/proc/self/task/" + std::to_string(owner) + "/comm");
    std::string name;
    std::getline(comm, name);
    return (name.empty() ? "?" : name) + "/" + std::to_string(owner);
}

// "lock_a+0x0/0x18 [kmod]" for a lock in a module's data, else its address.
std::string lock_symbol(const void *lock) {
    std::string name = symbolize_instruction(reinterpret_cast<std::uintptr_t>(lock));
    // Only functions are sized in the symbol tables the symbolizer reads: a name of size 0
    // is the nearest function before the lock, not the lock.
    if (name.rfind("0x", 0) == 0 || name.find('+') == std::string::npos ||
        name.find("/0x0") != std::string::npos) {
        char address[24];
        std::snprintf(address, sizeof address, "0x%lx", reinterpret_cast<unsigned long>(lock));
        return address;
    }
    return name;
}

// "BUG: spinlock recursion on CPU#0, cat/1234", the lock's state and the call trace.
void lock_bug(const char *type, const void *lock, int owner, const char *msg) {
    std::vector<std::uintptr_t> stack = capture_report_stack();
    TaskIdentity task = current_identity();
    std::lock_guard guard(report_mutex());
    printk(KERN_EMERG "BUG: %s %s on CPU#0, %s/%ld\n", type, msg, task.comm.c_str(), task.pid);
    std::string holder = owner_name(owner);
    printk(KERN_EMERG " lock: %s, .magic: dead4ead, .owner: %s, .owner_cpu: %d\n",
           lock_symbol(lock).c_str(), holder.c_str(), owner != 0 ? 0 : -1);
    dump_stack_report(KERN_EMERG, stack, task);
}

// The thread takes a spin lock it holds: Linux spins for ever (until the lockup
// detector reports it). Here the call ends as after an oops, so the daemon's thread is
// not lost; outside a contained call there is nowhere to go, and it spins as Linux.
void end_recursive_call(const char *type) {
    if (!in_oops_boundary())
        return;
    TaskIdentity task = current_identity();
    printk(KERN_WARNING "lkmfs: %s recursion would spin for ever: ending the call of %s[%ld]\n",
           type, task.comm.c_str(), task.pid);
    oops_unwind();
}

void check_spin_recursion(const char *type, const void *lock, const int *owner) {
    if (!lock_misuse_enabled() || __atomic_load_n(owner, __ATOMIC_RELAXED) != current_tid())
        return;
    lock_bug(type, lock, current_tid(), "recursion");
    end_recursive_call(type);
}

// Whether this thread may release a lock with `locked` state and `owner`; reports it if
// not (a lock not held, or held by another thread).
enum class Release { Ok, NotHeld, OtherOwner };

Release check_release(const char *type, const void *lock, bool locked, int owner) {
    if (!lock_misuse_enabled())
        return Release::Ok;
    if (!locked) {
        lock_bug(type, lock, owner, "already unlocked");
        return Release::NotHeld;
    }
    if (owner != current_tid()) {
        lock_bug(type, lock, owner, "wrong owner");
        return Release::OtherOwner;
    }
    return Release::Ok;
}

// The rwlock word: readers in bits 0-29, a waiting writer in bit 30, the writer in bit 31.
constexpr unsigned int kWriterWaiting = 1u << 30;
constexpr unsigned int kWriter = 1u << 31;

bool read_try(rwlock_t *lock) {
    // Readers in interrupt context pass a waiting writer (they may interrupt a reader).
    unsigned int blocked = in_interrupt() ? kWriter : kWriter | kWriterWaiting;
    unsigned int c = __atomic_load_n(&lock->cnt, __ATOMIC_RELAXED);
    while ((c & blocked) == 0) {
        if (__atomic_compare_exchange_n(&lock->cnt, &c, c + 1, true, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return true;
    }
    return false;
}

void read_acquire(rwlock_t *lock, const void *caller) {
    lockdep_acquire(&lock->dep_map, LockKind::RwlockRead, 0, caller);
    int spins = 0;
    while (!read_try(lock))
        cpu_relax_or_yield(&spins);
    note_lock_acquired(&lock->dep_map, LockKind::RwlockRead, caller);
}

void read_release(rwlock_t *lock) {
    note_lock_released(&lock->dep_map);
    __atomic_fetch_sub(&lock->cnt, 1u, __ATOMIC_RELEASE);
}

bool write_try(rwlock_t *lock) {
    // Free apart from (any writer's) waiting bit: take it and clear the bit; another
    // waiting writer sets it again.
    unsigned int c = __atomic_load_n(&lock->cnt, __ATOMIC_RELAXED);
    while ((c & ~kWriterWaiting) == 0) {
        if (__atomic_compare_exchange_n(&lock->cnt, &c, kWriter, true, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return true;
    }
    return false;
}

void write_acquire(rwlock_t *lock, const void *caller, unsigned subclass = 0) {
    lockdep_acquire(&lock->dep_map, LockKind::RwlockWrite, subclass, caller);
    check_spin_recursion("rwlock", lock, &lock->owner);
    int spins = 0;
    while (!write_try(lock)) {
        __atomic_fetch_or(&lock->cnt, kWriterWaiting, __ATOMIC_RELAXED);
        cpu_relax_or_yield(&spins);
    }
    set_owner(&lock->owner, current_tid());
    note_lock_acquired(&lock->dep_map, LockKind::RwlockWrite, caller, subclass);
}

// False if this thread did not hold it (reported; its preempt count was not raised).
bool write_release(rwlock_t *lock) {
    int owner = __atomic_load_n(&lock->owner, __ATOMIC_RELAXED);
    bool locked = (__atomic_load_n(&lock->cnt, __ATOMIC_RELAXED) & kWriter) != 0;
    Release r = check_release("rwlock", lock, locked, owner);
    if (r == Release::NotHeld)
        return false;
    if (r == Release::OtherOwner)
        note_lock_released_by_other(owner, &lock->dep_map);
    else
        note_lock_released(&lock->dep_map);
    set_owner(&lock->owner, 0);
    __atomic_fetch_and(&lock->cnt, ~kWriter, __ATOMIC_RELEASE);
    return r == Release::Ok;
}

} // namespace

} // namespace lkmfs::kernel

using namespace lkmfs::kernel;

// ---- spinlock_t -------------------------------------------------------------------------

namespace {

void spin_acquire(spinlock_t *lock, const void *caller, unsigned subclass = 0) {
    lockdep_acquire(&lock->dep_map, LockKind::Spin, subclass, caller);
    check_spin_recursion("spinlock", lock, &lock->owner);
    raw_spin_acquire(&lock->locked);
    __atomic_store_n(&lock->owner, current_tid(), __ATOMIC_RELAXED);
    note_lock_acquired(&lock->dep_map, LockKind::Spin, caller, subclass);
}

// False if this thread did not hold it (reported; its preempt count was not raised, so
// the caller leaves it alone).
bool spin_release(spinlock_t *lock) {
    int owner = __atomic_load_n(&lock->owner, __ATOMIC_RELAXED);
    Release r = check_release("spinlock", lock,
                              __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0, owner);
    if (r == Release::NotHeld)
        return false;
    if (r == Release::OtherOwner)
        note_lock_released_by_other(owner, &lock->dep_map);
    else
        note_lock_released(&lock->dep_map);
    __atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
    raw_spin_release(&lock->locked);
    return r == Release::Ok;
}

} // namespace

extern "C" void __raw_spin_lock_init(spinlock_t *lock, const char *name,
                                     struct lock_class_key *key) {
    *lock = spinlock_t{0, 0, lockdep_map{name, key}};
}

extern "C" void spin_lock(spinlock_t *lock) {
    preempt_count_add(1);
    spin_acquire(lock, __builtin_return_address(0));
}

extern "C" void spin_lock_nested(spinlock_t *lock, int subclass) {
    preempt_count_add(1);
    spin_acquire(lock, __builtin_return_address(0), static_cast<unsigned>(subclass));
}

extern "C" void spin_unlock(spinlock_t *lock) {
    if (spin_release(lock))
        preempt_count_sub(1);
}

extern "C" int spin_trylock(spinlock_t *lock) {
    preempt_count_add(1);
    if (!raw_spin_try(&lock->locked)) {
        preempt_count_sub(1);
        return 0;
    }
    __atomic_store_n(&lock->owner, current_tid(), __ATOMIC_RELAXED);
    note_lock_acquired(&lock->dep_map, LockKind::Spin, __builtin_return_address(0), 0, true);
    return 1;
}

extern "C" void spin_lock_irq(spinlock_t *lock) {
    arch_local_irq_disable();
    preempt_count_add(1);
    spin_acquire(lock, __builtin_return_address(0));
}

extern "C" void spin_unlock_irq(spinlock_t *lock) {
    if (spin_release(lock))
        preempt_count_sub(1);
    arch_local_irq_enable();
}

extern "C" unsigned long _raw_spin_lock_irqsave(spinlock_t *lock) {
    unsigned long flags = arch_local_irq_save();
    preempt_count_add(1);
    spin_acquire(lock, __builtin_return_address(0));
    return flags;
}

extern "C" unsigned long _raw_spin_lock_irqsave_nested(spinlock_t *lock, int subclass) {
    unsigned long flags = arch_local_irq_save();
    preempt_count_add(1);
    spin_acquire(lock, __builtin_return_address(0), static_cast<unsigned>(subclass));
    return flags;
}

extern "C" void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags) {
    if (spin_release(lock))
        preempt_count_sub(1);
    arch_local_irq_restore(flags);
}

extern "C" void spin_lock_bh(spinlock_t *lock) {
    preempt_count_add(static_cast<int>(SOFTIRQ_DISABLE_OFFSET) + 1);
    spin_acquire(lock, __builtin_return_address(0));
}

extern "C" void spin_unlock_bh(spinlock_t *lock) {
    if (spin_release(lock))
        preempt_count_sub(static_cast<int>(SOFTIRQ_DISABLE_OFFSET) + 1);
}

extern "C" int spin_trylock_bh(spinlock_t *lock) {
    preempt_count_add(static_cast<int>(SOFTIRQ_DISABLE_OFFSET) + 1);
    if (!raw_spin_try(&lock->locked)) {
        preempt_count_sub(static_cast<int>(SOFTIRQ_DISABLE_OFFSET) + 1);
        return 0;
    }
    __atomic_store_n(&lock->owner, current_tid(), __ATOMIC_RELAXED);
    note_lock_acquired(&lock->dep_map, LockKind::Spin, __builtin_return_address(0), 0, true);
    return 1;
}

extern "C" int spin_is_locked(spinlock_t *lock) {
    return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0 ? 1 : 0;
}

// ---- rwlock_t ---------------------------------------------------------------------------

extern "C" void __rwlock_init(rwlock_t *lock, const char *name, struct lock_class_key *key) {
    *lock = rwlock_t{0, 0, lockdep_map{name, key}};
}

extern "C" void read_lock(rwlock_t *lock) {
    preempt_count_add(1);
    read_acquire(lock, __builtin_return_address(0));
}

extern "C" void read_unlock(rwlock_t *lock) {
    read_release(lock);
    preempt_count_sub(1);
}

extern "C" int read_trylock(rwlock_t *lock) {
    preempt_count_add(1);
    if (!read_try(lock)) {
        preempt_count_sub(1);
        return 0;
    }
    note_lock_acquired(&lock->dep_map, LockKind::RwlockRead, __builtin_return_address(0), 0, true);
    return 1;
}

extern "C" void write_lock(rwlock_t *lock) {
    preempt_count_add(1);
    write_acquire(lock, __builtin_return_address(0));
}

extern "C" void write_lock_nested(rwlock_t *lock, int subclass) {
    preempt_count_add(1);
    write_acquire(lock, __builtin_return_address(0), static_cast<unsigned>(subclass));
}

extern "C" void write_unlock(rwlock_t *lock) {
    if (write_release(lock))
        preempt_count_sub(1);
}

extern "C" int write_trylock(rwlock_t *lock) {
    preempt_count_add(1);
    if (!write_try(lock)) {
        preempt_count_sub(1);
        return 0;
    }
    __atomic_store_n(&lock->owner, current_tid(), __ATOMIC_RELAXED);
    note_lock_acquired(&lock->dep_map, LockKind::RwlockWrite, __builtin_return_address(0), 0, true);
    return 1;
}

extern "C" void read_lock_irq(rwlock_t *lock) {
    arch_local_irq_disable();
    preempt_count_add(1);
    read_acquire(lock, __builtin_return_address(0));
}

extern "C" void read_unlock_irq(rwlock_t *lock) {
    read_unlock(lock);
    arch_local_irq_enable();
}

extern "C" void write_lock_irq(rwlock_t *lock) {
    arch_local_irq_disable();
    preempt_count_add(1);
    write_acquire(lock, __builtin_return_address(0));
}

extern "C" void write_unlock_irq(rwlock_t *lock) {
    write_unlock(lock);
    arch_local_irq_enable();
}

extern "C" unsigned long _raw_read_lock_irqsave(rwlock_t *lock) {
    unsigned long flags = arch_local_irq_save();
    preempt_count_add(1);
    read_acquire(lock, __builtin_return_address(0));
    return flags;
}

extern "C" unsigned long _raw_write_lock_irqsave(rwlock_t *lock) {
    unsigned long flags = arch_local_irq_save();
    preempt_count_add(1);
    write_acquire(lock, __builtin_return_address(0));
    return flags;
}

extern "C" void read_unlock_irqrestore(rwlock_t *lock, unsigned long flags) {
    read_unlock(lock);
    arch_local_irq_restore(flags);
}

extern "C" void write_unlock_irqrestore(rwlock_t *lock, unsigned long flags) {
    write_unlock(lock);
    arch_local_irq_restore(flags);
}

extern "C" void read_lock_bh(rwlock_t *lock) {
    local_bh_disable();
    preempt_count_add(1);
    read_acquire(lock, __builtin_return_address(0));
}

extern "C" void read_unlock_bh(rwlock_t *lock) {
    read_unlock(lock);
    local_bh_enable();
}

extern "C" void write_lock_bh(rwlock_t *lock) {
    local_bh_disable();
    preempt_count_add(1);
    write_acquire(lock, __builtin_return_address(0));
}

extern "C" void write_unlock_bh(rwlock_t *lock) {
    write_unlock(lock);
    local_bh_enable();
}
