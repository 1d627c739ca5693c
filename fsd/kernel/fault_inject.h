// Fault injection for module authors, per module: failslab (kmalloc, kzalloc, kcalloc,
// krealloc, kmem_cache_alloc, vmalloc, kvmalloc... return NULL) and fail_usercopy
// (copy_to_user, copy_from_user, get_user, put_user, strncpy_from_user fail), with Linux's
// fault attributes (Documentation/fault-injection/fault-injection.rst): every interval-th
// call, with a probability in percent, at most `times` times, after `space` bytes, with a
// "FAULT_INJECTION: forcing a failure." report when verbose.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace lkmfs::kernel::fault_inject {

enum class Kind { Failslab, FailUsercopy };

// "failslab", "fail_usercopy" (the debugfs directory names in Linux), and back: nullopt
// for any other name.
const char *kind_name(Kind kind);
std::optional<Kind> kind_from_name(const std::string &name);

// A fault_attr. The defaults fail every call, for ever, with the report and its stack
// (Linux's own defaults, probability 0 and times 1, would fail nothing until set).
struct Attr {
    unsigned long probability = 100; // percent of the calls that reach the check
    unsigned long interval = 1;      // only every interval-th call is considered
    long times = -1;                 // failures left; -1: no limit
    long space = 0;                  // bytes (or user copies) let through before failing
    int verbose = 2;                 // 0 silent, 1 the FAULT_INJECTION lines, 2 and a call trace

    bool operator==(const Attr &) const = default;
};

// Sets `kind` for the module named `module` (loaded or not: a module loaded later under
// that name starts with it, so its init's error paths can be tested), or with nullopt
// turns it off. The call counter starts again.
void set(const std::string &module, Kind kind, std::optional<Attr> attr);
// What is set now (times and space as they have counted down).
std::optional<Attr> get(const std::string &module, Kind kind);
struct Setting {
    std::string module;
    Kind kind;
    Attr attr;
};
std::vector<Setting> all();
void clear_all();

// For the allocators: whether this allocation of `size` bytes by the running module
// fails. Never with __GFP_NOFAIL; silently (no report) with __GFP_NOWARN.
bool should_failslab(std::size_t size, unsigned int gfp_flags); // a gfp_t
// For the user-copy functions: whether this copy by the running module fails (the caller
// then reports all its bytes uncopied, or -EFAULT).
bool should_fail_usercopy();
// copy_from_user's check: on a failure the destination is zeroed, as Linux zeroes what it
// could not copy.
bool fail_copy_from_user(void *to, unsigned long n);

// While one exists on a thread, the allocations it makes are not considered again: an
// allocator built on another (kvmalloc on kmalloc and vmalloc) decides once.
class DecidedScope {
  public:
    DecidedScope();
    ~DecidedScope();
    DecidedScope(const DecidedScope &) = delete;
    DecidedScope &operator=(const DecidedScope &) = delete;

  private:
    bool outer_;
};

} // namespace lkmfs::kernel::fault_inject
