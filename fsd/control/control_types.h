// The values that cross the control boundary: who asked, what the daemon reports, and how
// a request failed. Plain data, free of kernel and FUSE types, shared by the server, its
// backend and lkmctl.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lkmfs::control {

// The process at the other end of a control connection (SO_PEERCRED).
struct PeerCred {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

// One loaded module, as /proc/modules and lsmod show it.
struct ModuleRow {
    std::string name;
    std::size_t size = 0;
    int refcount = 0; // -1 while unloading, as Linux shows it
    std::vector<std::string> holders;
    std::string state; // "Live", "Loading" or "Unloading"
    std::uintptr_t address = 0;
    std::string taints; // e.g. "OE"; empty when untainted
};

// The .modinfo of a loaded module and the file it was loaded from.
struct ModuleInfo {
    std::string filename; // the origin lkmctl gave at insmod; empty if unknown
    std::vector<std::pair<std::string, std::string>> fields; // key, value in file order
};

// One kind of fault injection set for a module (Linux's fault_attr files under
// /sys/kernel/debug/failslab/ and fail_usercopy/, scoped to the module).
struct FaultRow {
    std::string kind; // "failslab" or "fail_usercopy"
    unsigned long probability = 100;
    unsigned long interval = 1;
    long times = -1;
    long space = 0;
    int verbose = 2;
};

// One parameter of a loaded module (what /sys/module/NAME/parameters/ would show).
struct ParamRow {
    std::string name;
    std::string type;      // "int", "charp", "array of int"...; "" if the module's own ops
    unsigned int perm = 0; // its mode, e.g. 0644 (parameters with mode 0 are never listed)
    bool readable = true;  // false: this peer may not read it (value then empty)
    std::string value;     // without the getter's trailing newline
};

// A call into a module that the module's removal waits for: rmmod reports them while it
// waits (a /proc entry's removal waits for the calls in flight on it).
struct WaitedCall {
    std::string entry;   // the entry's path below the mount root
    std::string handler; // "read", "write", "open", ...
    pid_t pid = 0;       // the calling process's thread
    std::string comm;    // its name
    std::string state;   // as ps: "S" interruptible sleep, "D" uninterruptible, "R" other
};

// What a removal waits for, reported while it waits.
struct RmmodWait {
    std::string module;
    bool forced = false; // the calls are being interrupted (rmmod -f)
    std::vector<WaitedCall> calls;
};

// One kernel log record, as /dev/kmsg delivers it.
struct LogRow {
    std::uint64_t seq = 0;
    std::uint64_t ts_usec = 0;
    int level = 6;
    int facility = 0;
    bool cont = false;
    std::string text; // may contain newlines; no trailing newline
};

// How an operation failed: a positive errno as the kernel would return it, and words for
// people. err == 0 means success.
struct Error {
    int err = 0;
    std::string message;

    explicit operator bool() const { return err != 0; }
};

} // namespace lkmfs::control
