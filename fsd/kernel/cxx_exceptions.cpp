#include "cxx_exceptions.h"

#include "oops.h"
#include "stack_trace.h"

#include <cxxabi.h>
#include <execinfo.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>

namespace lkmfs::kernel {

namespace {

struct ThrowSite {
    std::array<std::uintptr_t, 48> frames{};
    int frame_count = 0;
};

// The latest throw inside a contained call on this thread. A rethrow (`throw;`) goes through
// __cxa_rethrow and keeps the original thrower's record, as it should.
thread_local ThrowSite t_last_throw;

std::string demangle(const char *mangled) {
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> name(
        abi::__cxa_demangle(mangled, nullptr, nullptr, &status), &std::free);
    return status == 0 && name ? std::string(name.get()) : std::string(mangled);
}

} // namespace

void record_throw_site() {
    if (!in_oops_boundary())
        return;
    // Without this function's and __cxa_throw's own frames (and, in a sanitizer build,
    // backtrace()'s interceptor): from the thrower up.
    constexpr std::size_t kHookFrames = 2;
    std::array<void *, 48 + kHookFrames> raw;
    auto n = static_cast<std::size_t>(
        std::max(0, ::backtrace(raw.data(), static_cast<int>(raw.size()))));
    std::size_t skip = sanitizer_frames_on_top(raw.data(), n) + kHookFrames;
    ThrowSite &site = t_last_throw;
    site.frame_count = static_cast<int>(n > skip ? n - skip : 0);
    for (int i = 0; i < site.frame_count; ++i)
        site.frames[static_cast<std::size_t>(i)] =
            reinterpret_cast<std::uintptr_t>(raw[static_cast<std::size_t>(i) + skip]);
}

EscapedException describe_current_exception() {
    EscapedException e;
    if (const std::type_info *type = abi::__cxa_current_exception_type(); type != nullptr)
        e.type = demangle(type->name());
    try {
        throw;
    } catch (const std::exception &ex) {
        e.what = ex.what();
    } catch (...) { // not derived from std::exception: there is no message to show
    }
    e.frames = t_last_throw.frames;
    e.frame_count = t_last_throw.frame_count;
    t_last_throw.frame_count = 0;
    return e;
}

void end_abandoned_catches(const std::exception_ptr &at_entry) {
    // Bounded: a runtime that kept reporting the same exception must not hang the daemon.
    for (int i = 0; i < 64; ++i) {
        std::exception_ptr now = std::current_exception();
        if (now == nullptr || now == at_entry)
            return;
        now = nullptr;
        abi::__cxa_end_catch();
    }
}

} // namespace lkmfs::kernel
