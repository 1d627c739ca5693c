// The daemon's __cxa_throw, in a file of its own: <cxxabi.h> declares the runtime's with a
// signature this definition cannot repeat (std::type_info), so nothing here includes it.
#include "cxx_exceptions.h"

#include <dlfcn.h>

namespace {

using CxaThrow = void (*)(void *, void *, void (*)(void *));

CxaThrow next_cxa_throw() {
    // The C++ runtime's own (or a sanitizer's interceptor, which forwards to it).
    static const auto next = reinterpret_cast<CxaThrow>(::dlsym(RTLD_NEXT, "__cxa_throw"));
    return next;
}

} // namespace

// Every throw in the process comes through here (the executable's definition comes first in
// the global symbol scope, so modules and shared libraries bind to it too). Outside module
// calls it only forwards.
extern "C" __attribute__((visibility("default"), noreturn)) void
__cxa_throw(void *object, void *type, void (*destroy)(void *)) {
    lkmfs::kernel::record_throw_site();
    next_cxa_throw()(object, type, destroy);
    __builtin_unreachable();
}
