// Containment of BUG(): what happens to the call that hit it.
//
// Linux kills the task that oopsed and keeps running. Here a BUG() throws KernelOops when
// the thread runs inside an OopsBoundary: the exception unwinds through the module's
// frames (C and -fno-exceptions C++ code is built with unwind tables on x86-64; no module
// cleanup runs, as none would in Linux) to the boundary's owner, which fails the call.
// Without a boundary on the thread there is nowhere safe to return to, and BUG() aborts
// the daemon after its report.
#pragma once

#include <exception>

namespace lkmfs::kernel {

struct KernelOops : std::exception {
    const char *what() const noexcept override { return "kernel BUG"; }
};

// Marks the calling thread as able to catch KernelOops for the scope's lifetime. Usage:
//   try { OopsBoundary b; ret = handler(...); } catch (const KernelOops &) { ret = -EFAULT; }
class OopsBoundary {
  public:
    OopsBoundary();
    ~OopsBoundary();
    OopsBoundary(const OopsBoundary &) = delete;
    OopsBoundary &operator=(const OopsBoundary &) = delete;
    static bool active();
};

} // namespace lkmfs::kernel
