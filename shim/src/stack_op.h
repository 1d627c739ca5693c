// What a bookmark operation does, whether it moves a descriptor (lseek) or a stream
// (fseeko): find or create the description's slot and, under the slot's lock, check the
// stack, move, and update the stack. A Mover supplies the primitives that differ:
//
//   long position();               the position before the call (>= 0) or -errno
//   long move(long off, int ref);  move relative to ref; the new position or -errno
//   long own_error(long err);      `err`, unless the descriptor itself is bad (the kernel
//                                  checks the descriptor before anything else)
#pragma once

#include "layout.h"
#include "links.h"
#include "region.h"
#include "spinlock.h"

#include <seekmark.h>

#include <cerrno>

namespace seekmark {

struct Whence {
    int ref;      // reference point: whence & 0xff
    bool push;    // SEEK_PUSH
    bool pop;     // SEEK_POP
    bool unknown; // flag bits other than SEEK_PUSH and SEEK_POP
    bool uses_stack() const noexcept { return ref == SEEK_BOOKMARK || pop; }
};

inline Whence decode(int whence) noexcept {
    const auto w = static_cast<unsigned>(whence);
    const unsigned flags = w & ~0xffu;
    return Whence{static_cast<int>(w & 0xff), (flags & SEEK_PUSH) != 0, (flags & SEEK_POP) != 0,
                  (flags & ~unsigned{SEEK_PUSH | SEEK_POP}) != 0};
}

namespace detail {

// Under the slot's lock. Checks come in the order the contract gives: empty stack, full
// stack, then whatever the move itself answers; nothing changes on any error.
template <class Mover>
long locked_op(int slot, long off, const Whence &w, Mover &mover) noexcept {
    Slot &s = region()->slots[slot];
    std::int64_t *stack = region()->stacks[slot];
    std::uint32_t depth = atom(s.depth).load(std::memory_order_relaxed);
    if (w.uses_stack() && depth == 0) {
        return mover.own_error(-EINVAL);
    }
    if (w.push && !w.pop && depth == kStackMax) {
        return mover.own_error(-ENOMEM);
    }
    long before = 0;
    if (w.push) {
        before = mover.position();
        if (before < 0) {
            return before;
        }
    }
    long pos = 0;
    if (w.ref == SEEK_BOOKMARK) {
        long target = 0;
        if (__builtin_add_overflow(static_cast<long>(stack[depth - 1]), off, &target) ||
            target < 0) {
            return mover.own_error(-EINVAL);
        }
        pos = mover.move(target, SEEK_SET);
    } else if (w.push && w.ref == SEEK_CUR && off == 0) {
        pos = before; // the position read is the answer: no second system call
    } else {
        pos = mover.move(off, w.ref);
    }
    if (pos < 0) {
        return pos;
    }
    if (w.pop) {
        --depth;
    }
    if (w.push) {
        stack[depth++] = before; // the value first: depth is what publishes it
    }
    atom(s.depth).store(depth, std::memory_order_release);
    return pos;
}

} // namespace detail

template <class Mover>
long stack_op(int fd, long off, const Whence &w, Mover &mover) noexcept {
    Self me;
    if (!self_get(me)) {
        return mover.own_error(-ENOMEM);
    }
    int slot = -1;
    if (!find_slot(me, fd, slot)) {
        if (w.uses_stack()) {
            return mover.own_error(-EINVAL); // no bookmark was ever pushed here
        }
        // First push: make sure the move can happen before creating a slot for it.
        const long probe = mover.position();
        if (probe < 0) {
            return probe;
        }
        if (!create_slot(me, fd, slot)) {
            return mover.own_error(-ENOMEM);
        }
    }
    Slot &s = region()->slots[slot];
    if (lock(s.lock, owner_id(me.rec)) == Acquire::kDeadlock) {
        return -EDEADLK;
    }
    const long result = detail::locked_op(slot, off, w, mover);
    unlock(s.lock);
    if (result == -EBADF) {
        note_closed(me, fd); // closed behind our back: forget its link
    }
    return result;
}

} // namespace seekmark
