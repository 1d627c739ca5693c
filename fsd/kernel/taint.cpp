// The taint mask (kernel/panic.c's tainted_mask and print_tainted, in Linux 6.1).
#include "taint.h"

#include <atomic>

#include <linux/bug.h>

namespace lkmfs::kernel {

namespace {

std::atomic<unsigned long> g_mask{0};

// The letter of each flag when set and when clear, in bit order.
struct TaintLetters {
    char set;
    char clear;
};
constexpr TaintLetters kLetters[kTaintFlagsCount] = {
    {'P', 'G'}, {'F', ' '}, {'S', ' '}, {'R', ' '}, {'M', ' '}, {'B', ' '},
    {'U', ' '}, {'D', ' '}, {'A', ' '}, {'W', ' '}, {'C', ' '}, {'I', ' '},
    {'O', ' '}, {'E', ' '}, {'L', ' '}, {'K', ' '}, {'X', ' '}, {'T', ' '},
};

} // namespace

bool add_taint(unsigned flag) {
    unsigned long bit = 1UL << flag;
    return (g_mask.fetch_or(bit) & bit) != 0;
}

bool test_taint(unsigned flag) {
    return (g_mask.load() & (1UL << flag)) != 0;
}

unsigned long taint_mask() {
    return g_mask.load();
}

std::string taint_string() {
    unsigned long mask = taint_mask();
    if (mask == 0)
        return "Not tainted";
    std::string out = "Tainted: ";
    for (unsigned i = 0; i < kTaintFlagsCount; ++i)
        out += (mask & (1UL << i)) != 0 ? kLetters[i].set : kLetters[i].clear;
    return out;
}

std::string taint_letters(unsigned long mask) {
    std::string out;
    for (unsigned i = 0; i < kTaintFlagsCount; ++i)
        if ((mask & (1UL << i)) != 0)
            out += kLetters[i].set;
    return out;
}

void reset_taint_for_testing() {
    g_mask.store(0);
}

} // namespace lkmfs::kernel

extern "C" void add_taint(unsigned flag, enum lockdep_ok) {
    if (flag < lkmfs::kernel::kTaintFlagsCount)
        lkmfs::kernel::add_taint(flag);
}

extern "C" int test_taint(unsigned flag) {
    return flag < lkmfs::kernel::kTaintFlagsCount && lkmfs::kernel::test_taint(flag) ? 1 : 0;
}

extern "C" unsigned long get_taint(void) {
    return lkmfs::kernel::taint_mask();
}
