// Lock-order checking, as Linux's lockdep (CONFIG_PROVE_LOCKING). A lock's class is its
// `struct lock_class_key` (the static key of its init call site), or the lock itself for a
// statically initialised one, plus its nesting subclass. Taking lock B while holding A
// records the dependency A -> B, once, in one graph for all threads. The acquisition that
// would close a cycle is reported ("possible circular locking dependency detected") with
// both chains, before the thread waits for the lock, whether or not a deadlock happens;
// taking a class again while holding it, "possible recursive locking detected". Each
// problem is reported once.
//
// Cost: an acquisition with nothing held returns at once; otherwise the dependency on the
// most recently taken lock is looked up in a per-thread cache of known dependencies. Only
// a dependency new to the thread takes the graph's lock.
#pragma once

#include "atomic_context.h"

#include <cstddef>
#include <cstdint>

namespace lkmfs::kernel {

// Called by every lock function before it waits for the lock (trylocks after they got it,
// with `trylock`: they cannot deadlock and only matter as held locks).
void lockdep_acquire(const lockdep_map *map, LockKind kind, unsigned subclass,
                     const void *acquired_at);

// Drops every class whose key lies in [base, base + size), with their dependencies: a
// module's image is about to be unmapped and its keys go with it.
void lockdep_forget_range(std::uintptr_t base, std::size_t size);
// The same for every segment of the shared object loaded at `load_base` (its l_addr).
void lockdep_forget_image(std::uintptr_t load_base);

// How many dependencies the graph holds (for tests).
std::size_t lockdep_dependency_count();
// For tests: forgets every class, dependency and report.
void lockdep_reset_for_testing();

} // namespace lkmfs::kernel
