// Who "this process" is in the shared region: its record and pid. They are kept in a page
// mapped with MADV_WIPEONFORK, which the kernel hands to every child of fork (whichever way
// it was made: fork, _Fork, daemon, a raw clone) zero-filled. So a process never mistakes
// itself for its parent, even when it was forked behind the shim's back; it then registers
// at its first use (process.cpp). A vfork child shares its parent's memory, page included:
// it is recognised by comparing the pid (borrowed_memory()), where that matters.
#pragma once

#include <cstdint>

namespace seekmark {

struct Self {
    int rec = -1; // index of this process's record in the region
    int pid = 0;
};

bool identity_create() noexcept;
// This process's identity as recorded; false when it has none yet.
bool identity_get(Self &me) noexcept;
void identity_set(int rec, int pid) noexcept;
// The record this memory belonged to before the last fork: the parent's, in a fresh child.
int identity_previous_rec() noexcept;
// True in a child that runs in its parent's memory (vfork, clone with CLONE_VM): it must
// not change the parent's tables.
bool borrowed_memory(const Self &me) noexcept;

} // namespace seekmark
