#include "rmmod_wait_format.h"

#include <algorithm>

namespace lkmfs::lkmctl {

namespace {

std::string state_words(const std::string &state) {
    if (state == "S")
        return "asleep";
    if (state == "D")
        return "asleep uninterruptibly (D)";
    return "running";
}

} // namespace

std::string format_rmmod_wait(const control::RmmodWait &wait) {
    const std::size_t n = wait.calls.size();
    std::string out = "rmmod: waiting for " + std::to_string(n) + (n == 1 ? " call" : " calls") +
                      " into " + wait.module + " to return:\n";
    for (std::size_t i = 0; i < std::min(n, kMaxListedCalls); ++i) {
        const control::WaitedCall &c = wait.calls[i];
        out += "rmmod:   " + c.handler + " of " + c.entry + " by pid " + std::to_string(c.pid) +
               " (" + c.comm + "), " + state_words(c.state) + "\n";
    }
    if (n > kMaxListedCalls)
        out += "rmmod:   ... and " + std::to_string(n - kMaxListedCalls) + " more\n";

    bool any_d = std::any_of(wait.calls.begin(), wait.calls.end(),
                             [](const control::WaitedCall &c) { return c.state == "D"; });
    bool all_d = std::all_of(wait.calls.begin(), wait.calls.end(),
                             [](const control::WaitedCall &c) { return c.state == "D"; });
    // What ends the wait. A signal (and so rmmod -f) ends interruptible sleeps only, as in
    // Linux; Ctrl-C on this rmmod ends the waiting, never the removal, whose exit has begun.
    if (wait.forced && any_d)
        out += "rmmod: forced, but no signal ends an uninterruptible sleep (D): it returns when "
               "what it waits for happens";
    else if (wait.forced)
        out += "rmmod: forced: interrupting them as a signal would";
    else if (all_d)
        out += "rmmod: they sleep uninterruptibly (D): no signal ends them, not even rmmod -f";
    else if (any_d)
        out += "rmmod: 'lkmctl rmmod -f " + wait.module +
               "' interrupts them as a signal would, except the uninterruptible sleeps (D)";
    else
        out += "rmmod: 'lkmctl rmmod -f " + wait.module + "' interrupts them as a signal would";
    out += "\nrmmod: Ctrl-C stops waiting here; the removal goes on\n";
    return out;
}

} // namespace lkmfs::lkmctl
