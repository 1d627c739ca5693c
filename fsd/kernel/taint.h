// The kernel's taint mask (/proc/sys/kernel/tainted): flags that say something happened
// that makes later reports less trustworthy. One mask for the whole simulated kernel.
#pragma once

#include <string>

namespace lkmfs::kernel {

// Bit numbers, as Linux 6.1's TAINT_* (include/linux/panic.h).
enum TaintFlag : unsigned {
    kTaintProprietaryModule = 0, // P
    kTaintForcedModule = 1,      // F
    kTaintForcedRmmod = 3,       // R
    kTaintUser = 6,              // U
    kTaintDie = 7,               // D: an oops (BUG) happened
    kTaintWarn = 9,              // W: a WARN happened
    kTaintCrap = 10,             // C
    kTaintOutOfTreeModule = 12,  // O
    kTaintUnsignedModule = 13,   // E
    kTaintSoftLockup = 14,       // L: a soft lockup was reported
    kTaintFlagsCount = 18,
};

// Sets a flag; returns whether it was already set (so callers can print a one-time notice).
bool add_taint(unsigned flag);
bool test_taint(unsigned flag);
// The mask as /proc/sys/kernel/tainted prints it (a decimal number).
unsigned long taint_mask();
// As Linux's print_tainted(): "Not tainted", or "Tainted: " followed by one column per
// flag ("Tainted: G        W  OE     "). The flag letters of the mask alone ("WOE") come
// from taint_letters().
std::string taint_string();
std::string taint_letters(unsigned long mask);

// For tests: clears the mask.
void reset_taint_for_testing();

} // namespace lkmfs::kernel
