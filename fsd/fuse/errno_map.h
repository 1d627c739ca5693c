// Kernel-internal error codes never reach user space as such; this is how they leave.
#pragma once

namespace lkmfs::fuse {

// Maps a handler's negative kernel errno to the positive errno a FUSE reply may carry.
int to_user_errno(long kernel_err);

} // namespace lkmfs::fuse
