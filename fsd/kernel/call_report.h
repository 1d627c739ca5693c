// A call into a module's code in progress, as a removal of the module reports it while it
// waits: which handler of which /proc entry, for which process, and how that task sleeps.
#pragma once

#include <sys/types.h>

#include <string>

namespace lkmfs::kernel {

struct CallReport {
    std::string entry;   // the /proc entry's path below the mount root
    std::string handler; // "read", "write", "open", ...
    pid_t pid = 0;       // the calling process's thread
    std::string comm;    // its name
    char state = 'R';    // a TaskState: 'R', 'S' (interruptible sleep), 'D'

    bool operator==(const CallReport &) const = default;
};

} // namespace lkmfs::kernel
