// User addresses, as a handler sees them. In Linux a handler's `__user` pointer is an
// address in the calling process; with SMAP, the kernel touching it other than through
// the user-copy functions (which open access with stac/clac) is a page fault and an oops.
//
// Here the caller's data is a buffer of the daemon (FUSE's). A handler is never given that
// buffer's address: it gets an address in a window of address space reserved once and
// never accessible (PROT_NONE), a slot of its own for the duration of the call. The
// user-copy functions translate slot addresses back to the buffer (UserWindow in
// exec_context.h: one comparison and one addition); a direct dereference hits the
// inaccessible window, and the oops handler reports it as Linux reports a supervisor
// access to user memory.
#pragma once

#include "exec_context.h"

#include <cstddef>
#include <cstdint>

namespace lkmfs::kernel {

// Slots: how many calls can hold one at once, and how large a buffer one can hold (a
// FUSE read or write is at most 1 MiB; an ioctl's at most 16 KiB). 4 GiB of address
// space in all, reserved once.
inline constexpr std::size_t kUserSlotCount = 1024;
inline constexpr std::size_t kUserSlotSize = std::size_t{4} << 20;

// The caller's buffer [base, base + size) is "user memory" for the scope's lifetime: the
// exec context's user window, seen by module code at user_address(). `writable`: false for
// a write(2)'s data, which handlers may only read. Scopes nest; each takes its own slot.
// Without a free slot (or for a buffer larger than one), the buffer's own address is used
// and a direct access goes unnoticed, as before this existed.
class UserBufferScope {
  public:
    UserBufferScope(void *base, std::size_t size, bool writable);
    ~UserBufferScope();
    UserBufferScope(const UserBufferScope &) = delete;
    UserBufferScope &operator=(const UserBufferScope &) = delete;

    // What the handler gets for the buffer's first byte.
    void *user_address() const { return reinterpret_cast<void *>(address_); }
    // `p` (a pointer into the buffer) as the handler sees it.
    std::uintptr_t user_address_of(const void *p) const;
    bool in_slot() const { return slot_ >= 0; }

  private:
    UserWindow saved_;
    std::uintptr_t base_;
    std::uintptr_t address_;
    int slot_ = -1;
};

// What an address in the reserved window is, for the oops report. `in_window` false: the
// address is not a user address at all.
struct UserAddressInfo {
    bool in_window = false;
    bool mapped = false;    // inside the buffer of a call that still runs
    std::size_t offset = 0; // from the buffer's start (when mapped)
    std::size_t size = 0;   // the buffer's size (when mapped)
    bool writable = false;  // the buffer may be written (when mapped)
};
UserAddressInfo describe_user_address(std::uintptr_t address);

// The reserved window [first, last) (for tests).
std::uintptr_t user_window_start();
std::uintptr_t user_window_end();

} // namespace lkmfs::kernel
