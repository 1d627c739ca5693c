// Registering a process in its family's region, and handing a forked child its record.
#pragma once

#include "identity.h"

namespace seekmark {

// The first process of a family (the one that created the region).
bool register_root() noexcept;

// A process without identity: a child forked behind the shim's back (daemon(), a raw
// clone), seen at its first use. Its links were inherited in private memory; it sets its
// bits for the slots they name, unless those died meanwhile (then the links are dropped:
// the window between such a fork and the first use is not covered, see docs).
bool register_process(Self &me) noexcept;

// Fork support (interpose_fork.cpp): prepare a record for the child with the parent's
// bits, before the fork; then let the child take it (or the parent drop it on failure).
int prepare_child(const Self &parent) noexcept;
void start_child(int child_rec, int parent_rec) noexcept;
void child_forked(int child_rec, int pid) noexcept;
void fork_failed(int child_rec) noexcept;

} // namespace seekmark
