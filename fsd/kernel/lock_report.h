// The pieces the lock and sleep debug reports share, in Linux's shapes: a lock class's
// name and usage ("(&dev->lock){+.+.}-{2:2}"), a held lock's line, the "N locks held by
// cat/1234:" list and dump_stack()'s call trace.
#pragma once

#include "atomic_context.h"
#include "oops_report.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lkmfs::kernel {

// "&dev->lock", "&dev->lock/1" for a nested subclass.
std::string lock_class_name(const lockdep_map *map, unsigned subclass);
// "(&dev->lock){+.+.}-{2:2}": the name, the usage (interrupts / softirqs enabled or in
// use when it was taken) and the wait type (2 spinning, 3 sleeping).
std::string lock_class_label(const std::string &name, const HeldLock &how);
// "00007f3a5c0040a0 (&dev->lock){+.+.}-{2:2}, at: ab_read+0x1c/0x50 [klockdep]"
std::string describe_held_lock(const HeldLock &h);
// "no locks held by cat/1234." or "2 locks held by cat/1234:" and " #0: ..." lines.
void print_held_locks(const char *level, const TaskIdentity &task);

// The calling thread's stack without the debug checks' own frames: from the kernel API
// function the module called (mutex_lock, kmalloc...) outwards, or at the latest from
// `caller` (the return address into the code that called it), when given.
std::vector<std::uintptr_t> capture_report_stack(const void *caller = nullptr);
// One line per frame, "<indent>func+0x12/0x40 [module]", up to the C library.
void print_stack_entries(const char *level, const std::vector<std::uintptr_t> &frames,
                         const char *indent);
// dump_stack(): the CPU and hardware lines, then "Call Trace:" in <TASK> ... </TASK>.
void dump_stack_report(const char *level, const std::vector<std::uintptr_t> &frames,
                       const TaskIdentity &task);
// "[<00007f...>] func+0x12/0x40 [module]", as print_ip_sym().
std::string ip_sym(const void *ip);

} // namespace lkmfs::kernel
