// C++ exceptions that escape module code. Linux has none; here a C++ module may throw, and
// an exception that no module frame catches reaches the oops boundary of the call
// (run_contained). It ends that call like an oops, with a report that names the exception
// and where it was thrown: the daemon's __cxa_throw records the thrower's call chain while
// a contained call runs, because by the time the boundary catches it those frames are gone.
#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <string>

namespace lkmfs::kernel {

struct EscapedException {
    std::string type; // demangled, e.g. "std::out_of_range"
    std::string what; // std::exception::what(), or empty
    // The thrower's call chain, innermost first (empty when the throw was not seen).
    std::array<std::uintptr_t, 48> frames{};
    int frame_count = 0;
};

// Records the call chain of a throw happening now, if inside a contained call (called by the
// daemon's __cxa_throw, cxx_throw_hook.cpp).
void record_throw_site();

// Describes the exception being handled (call only inside a catch block), with the call
// chain of its most recent throw on this thread inside a contained call.
EscapedException describe_current_exception();

// Ends the handling of every exception this thread began to handle since `at_entry` was
// the current one (std::current_exception() at a boundary's entry). An abort() from
// std::terminate -- a module exception that left a noexcept function -- ends a call with the
// exception still "caught" by the runtime: the jump out of the abort skips the
// __cxa_end_catch that would free it.
void end_abandoned_catches(const std::exception_ptr &at_entry);

} // namespace lkmfs::kernel
