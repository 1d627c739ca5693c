// The harness's sanitizer check (support/sanitizer_report.h): what it takes for a report,
// as the sanitizers print them, and what it leaves alone (the daemon's own oops reports).
#include "sanitizer_report.h"

#include <gtest/gtest.h>

namespace lkmfs::testing {
namespace {

TEST(SanitizerReport, FindsTheFirstLineOfEachKindOfReport) {
    const std::string output =
        "lkmfs: mounted on /tmp/x\n"
        "==1234==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010\n"
        "    #0 0x55d in kfree fsd/kernel/slab.cpp:10\n"
        "==1234==ERROR: LeakSanitizer: detected memory leaks\n"
        "WARNING: ThreadSanitizer: data race (pid=4321)\n"
        "fsd/procfs/file_ops.cpp:120:5: runtime error: signed integer overflow\n";
    std::vector<std::string> lines = sanitizer_report_lines(output);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[0],
              "==1234==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010");
    EXPECT_EQ(lines[1], "==1234==ERROR: LeakSanitizer: detected memory leaks");
    EXPECT_EQ(lines[2], "WARNING: ThreadSanitizer: data race (pid=4321)");
    EXPECT_EQ(lines[3], "fsd/procfs/file_ops.cpp:120:5: runtime error: signed integer overflow");
}

TEST(SanitizerReport, TheKernelsOwnReportsAreNotSanitizerReports) {
    const std::string output =
        "[    0.5] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
        "[    0.5] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
        "[    0.6] BUG: sleeping function called from invalid context at kbuf.c:10\n"
        "[    0.7] WARNING: possible circular locking dependency detected\n"
        "[    0.8] kmemleak: 1 new suspected memory leaks\n";
    EXPECT_TRUE(sanitizer_report_lines(output).empty());
}

} // namespace
} // namespace lkmfs::testing
