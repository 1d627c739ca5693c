// The shared region: creating it, and the life cycle of its records and slots.
//
// Lifetime rule: a slot (one description's stack) lives while some record has its bit.
// A process sets its bit when one of its descriptors gets linked to the slot and clears it
// when its last such descriptor is closed; fork gives the child a copy of the parent's
// bits before the child exists (interpose_fork.cpp), and a poster sets the bit of the
// process it posts to (posting.cpp). Processes that end without closing (exit, a signal,
// exec) leave their bits behind; collect_garbage() clears the bits of records whose
// process is gone, when a slot or record is needed and none is free.
#pragma once

#include "layout.h"

#include <cstdint>

namespace seekmark {

Region *region() noexcept;
bool region_create() noexcept;

// A free record, in state Pending with no pid; -1 when the family has none left.
int record_alloc(int parent, int self_rec) noexcept;
// Pending -> Live with `pid`; false if the record is no longer this process's.
bool record_make_live(int rec, int pid) noexcept;
// Clears all bits and posts of `rec` and frees it.
void record_release(int rec) noexcept;
// False for a free record and for one whose process is known to be gone.
bool record_alive(int rec) noexcept;

// A slot of its own for the process `self_rec` (bit set, empty stack); -1 when none left.
int slot_alloc(int self_rec, std::uint32_t &gen) noexcept;
bool slot_valid(int slot, std::uint32_t gen) noexcept;

// Returns true if the bit was not set before.
bool bit_set(int rec, int slot) noexcept;
void bit_clear(int rec, int slot) noexcept;
bool bit_test(int rec, int slot) noexcept;

void collect_garbage(int self_rec) noexcept;

} // namespace seekmark
