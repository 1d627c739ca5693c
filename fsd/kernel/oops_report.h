// The text of the kernel's reports (WARN, BUG, oops), shared by bug.cpp and oops.cpp: the
// CPU line, the symbolized call trace, "Modules linked in:", and the report of a fault
// the oops handler caught.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace lkmfs::kernel {

// What the fault handler records (it may not print from a signal handler).
struct FaultRecord {
    int signal = 0;
    int code = 0;
    std::uintptr_t address = 0;   // the faulting data address (SIGSEGV/SIGBUS)
    std::uintptr_t ip = 0;        // the faulting instruction
    unsigned long error_code = 0; // x86 page-fault error code
    std::array<std::uintptr_t, 48> frames{};
    int frame_count = 0;
    bool from_bug = false; // BUG(): reported already
};

// Prints the oops report for a fault inside the contained call `what`.
void report_fault(const FaultRecord &fault, const char *what);

struct EscapedException;
// Prints the report for a C++ exception that escaped module code in the contained call
// `what`.
void report_exception(const EscapedException &exception, const char *what);

struct TaskIdentity {
    long pid;
    std::string comm;
};
TaskIdentity current_identity();
std::string modules_linked_in();
void print_cpu_line(const TaskIdentity &task);
// "RIP: 0010:site" and the call trace from the frame after `site` (or from the first frame
// when `site` is not among them) up to the C library. `site_is_exact`: `site` is the
// faulting instruction itself, not a return address.
void print_trace(std::uintptr_t site, const std::uintptr_t *frames, std::size_t count,
                 bool site_is_exact = false);
// Reports do not interleave with one another.
std::mutex &report_mutex();
// The [#N] of "Oops: 0002 [#N]": how many oopses so far, this one included.
int next_die_number();

} // namespace lkmfs::kernel
