// What lkmctl rmmod prints while the removal waits for calls into the module: kmod's rmmod
// never waits visibly (Linux's rmmod just hangs in D state), so these lines are lkmfs's own.
#pragma once

#include "control/control_types.h"

#include <string>

namespace lkmfs::lkmctl {

// At most this many calls are listed one by one; the rest are counted.
inline constexpr std::size_t kMaxListedCalls = 10;

// Several "rmmod: ..." lines ending in newlines: the calls, and what ends the wait.
std::string format_rmmod_wait(const control::RmmodWait &wait);

} // namespace lkmfs::lkmctl
