// The lock of a slot: a spinlock in shared memory, taken by threads of several processes.
//
// The kernel makes its bookmark operations atomic by holding a lock that user code cannot
// interrupt. Here a signal handler can interrupt the holder, and blocking signals around
// every operation would cost two more system calls (~500 ns here, more than lseek itself).
// Instead the lock word names its owner (process record + thread ordinal), so that:
// - a handler that interrupted its own thread's operation on the same description gets
//   EDEADLK at once instead of spinning forever;
// - a handler that interrupted some other operation of its thread waits only briefly (the
//   holder might be another thread whose own handler waits for us), then EDEADLK;
// - a lock whose owner process died, or that was held for seconds (its thread vanished in
//   an exec), is taken over: every update of a stack is a single store, so what it guards
//   is consistent at any point.
// Waiting spins, then yields; it never sleeps on a futex, never allocates, never blocks
// signals: all of it is async-signal-safe.
#pragma once

#include <cstdint>

namespace seekmark {

// The owner id of the calling thread of the process with record `rec`.
std::uint64_t owner_id(int rec) noexcept;

enum class Acquire { kOk, kDeadlock };

Acquire lock(std::uint64_t &word, std::uint64_t me) noexcept;
void unlock(std::uint64_t &word) noexcept;
bool try_lock(std::uint64_t &word, std::uint64_t me) noexcept;

} // namespace seekmark
