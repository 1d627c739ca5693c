// Descriptor -> description -> slot: the operations the wrappers and the bookmark code use
// to keep this process's table (fd_table.h) and its bits in the region (region.h) in step.
#pragma once

#include "identity.h"

namespace seekmark {

// Sets `me` to this process's identity, registering the process first if it has none (a
// child forked behind the shim's back, or the first use before the constructor ran).
// False when the family has no record left or the shim could not initialise: ENOMEM.
bool self_get(Self &me) noexcept;

// The slot of fd's description, if it has one (taking this process's posts first when
// the table knows none).
bool find_slot(const Self &me, int fd, int &slot) noexcept;

// Gives fd's description its first slot: fd and every descriptor of its dup group are
// linked to it, and processes of the family that hold it get it posted. False: ENOMEM.
bool create_slot(const Self &me, int fd, int &slot) noexcept;

// After dup/dup2/dup3/F_DUPFD made `newfd` refer to `oldfd`'s description.
void note_dup(const Self &me, int oldfd, int newfd) noexcept;

// fd no longer refers to the description it had (closed, or replaced by a new one).
void note_closed(const Self &me, int fd) noexcept;

// Moves this process's posts into its table.
void take_posts(const Self &me) noexcept;

// Brackets a close of [first, last] done by code the shim does not see into (close,
// fclose, closedir, close_range...): before it, the numbers are unlinked; after it, posts
// that raced with it are dropped (see posting.cpp). Does nothing in a vfork child, whose
// memory is its parent's.
class ClosingScope {
  public:
    ClosingScope(int first, int last) noexcept;
    explicit ClosingScope(int fd) noexcept : ClosingScope(fd, fd) {}
    ~ClosingScope();
    ClosingScope(const ClosingScope &) = delete;
    ClosingScope &operator=(const ClosingScope &) = delete;

  private:
    bool mine() noexcept; // false in a vfork child (asks for the pid once)

    Self me_;
    int first_;
    int last_;
    bool counted_ = false; // closing was incremented in our record
    int borrowed_ = -1;    // -1 unknown, 0 no, 1 yes (vfork child)
};

// After a call created a new description under fd (open, socket, pipe...): whatever the
// number was linked to before belongs to a description closed behind our back.
void note_fresh(int fd) noexcept;

} // namespace seekmark
