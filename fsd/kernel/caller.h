// The process on whose behalf the simulated kernel runs code: the one that did a read or
// write through the mount, or the one that ran `lkmctl insmod/rmmod`.
#pragma once

#include <sys/types.h>

namespace lkmfs::kernel {

struct Caller {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

} // namespace lkmfs::kernel
