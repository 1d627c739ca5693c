// Oops containment (fsd/kernel/oops.cpp): a fault inside run_contained() ends that call
// with the kernel's report and the D taint, and the thread, its exec and atomic context,
// and the process go on. A fault outside any boundary still kills the process.
#include "kernel/atomic_context.h"
#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "kernel/oops.h"
#include "kernel/taint.h"
#include "kernel_log_fixture.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

#include <linux/compiler.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>

namespace lkmfs::kernel {
namespace {

// Opaque to the optimizer: the faults below must happen at run time, as the plain loads
// and stores a buggy module makes (GCC turns a literal NULL dereference into a trap).
volatile std::uintptr_t g_address = 0;
volatile int g_divisor = 0;
volatile bool g_forever = true;

// UBSan (scripts/sanitize.sh) would report these deliberate faults before they happen; a
// module is not instrumented, so the oops handler must be what sees them.
#define FAULTS noinline __attribute__((no_sanitize("undefined")))

FAULTS int read_at(std::uintptr_t address) {
    g_address = address;
    return *reinterpret_cast<volatile int *>(g_address);
}

FAULTS void write_at(std::uintptr_t address) {
    g_address = address;
    *reinterpret_cast<volatile int *>(g_address) = 1;
}

FAULTS int divide(int n) {
    return n / g_divisor;
}

noinline int recurse_forever(int depth) {
    volatile char pad[512];
    pad[0] = static_cast<char>(depth);
    return g_forever ? recurse_forever(depth + 1) + pad[0] : 0;
}

class OopsTest : public KernelLogTest {
  protected:
    std::string log() { return log_since_start(); }
    bool has(const std::string &text) { return log().find(text) != std::string::npos; }
};

TEST_F(OopsTest, NullReadEndsTheCallWithThePageFaultReport) {
    int value = 7;
    EXPECT_FALSE(run_contained("test read", [&] { value = read_at(0); }));
    EXPECT_EQ(value, 7); // the assignment never happened
    EXPECT_TRUE(has("BUG: kernel NULL pointer dereference, address: 0000000000000000\n")) << log();
    EXPECT_TRUE(has("#PF: supervisor read access in kernel mode\n")) << log();
    EXPECT_TRUE(has("#PF: error_code(0x0000) - not-present page\n")) << log();
    EXPECT_TRUE(has("Oops: 0000 [#")) << log();
    EXPECT_TRUE(has("RIP: 0010:lkmfs::kernel::(anonymous namespace)::read_at+0x")) << log();
    EXPECT_TRUE(has("CR2: 0000000000000000\n")) << log();
    EXPECT_TRUE(has("---[ end trace 0000000000000000 ]---\n")) << log();
    EXPECT_TRUE(has("lkmfs: the oops ended test read of ")) << log();
    EXPECT_TRUE(test_taint(kTaintDie));
    EXPECT_FALSE(in_oops_boundary());
}

TEST_F(OopsTest, WildWriteIsAWriteFaultAtThatAddress) {
    EXPECT_FALSE(run_contained("test write", [] { write_at(0xdead000); }));
    EXPECT_TRUE(has("BUG: unable to handle page fault for address: 000000000dead000\n")) << log();
    EXPECT_TRUE(has("#PF: supervisor write access in kernel mode\n")) << log();
    EXPECT_TRUE(has("Oops: 0002 [#")) << log();
}

TEST_F(OopsTest, NonCanonicalAddressIsAGeneralProtectionFault) {
    EXPECT_FALSE(run_contained("test gp", [] { (void)read_at(0xdead000000000000ul); }));
    EXPECT_TRUE(has("general protection fault, probably for non-canonical address")) << log();
}

TEST_F(OopsTest, DivisionByZeroIsADivideError) {
    int r = 1;
    EXPECT_FALSE(run_contained("test divide", [&] { r = divide(10); }));
    EXPECT_TRUE(has("divide error: 0000 [#")) << log();
    EXPECT_TRUE(has("RIP: 0010:lkmfs::kernel::(anonymous namespace)::divide+0x")) << log();
}

TEST_F(OopsTest, StackOverflowIsCaughtOnTheAlternateStackAndTheThreadGoesOn) {
    EXPECT_FALSE(run_contained("test recursion", [] { (void)recurse_forever(0); }));
    EXPECT_TRUE(has("BUG: unable to handle page fault for address:")) << log();
    // The same thread contains the next fault as well.
    EXPECT_FALSE(run_contained("test again", [] { (void)read_at(8); }));
    EXPECT_TRUE(run_contained("test ok", [] {}));
}

TEST_F(OopsTest, OopsesAreNumberedAndEachIsContained) {
    for (int i = 0; i < 3; ++i)
        EXPECT_FALSE(run_contained("test many", [] { (void)read_at(16); }));
    std::string text = log();
    EXPECT_NE(text.find("Oops: 0000 [#"), std::string::npos);
    std::size_t count = 0;
    for (std::size_t at = text.find("Oops: "); at != std::string::npos;
         at = text.find("Oops: ", at + 1))
        ++count;
    EXPECT_EQ(count, 3u);
}

TEST_F(OopsTest, TheThreadsContextIsRestoredWithLinuxsNotes) {
    int preempt_before = preempt_count();
    LoadedModule *module_before = exec_context().module;
    EXPECT_FALSE(run_contained("test atomic", [] {
        static DEFINE_SPINLOCK(lock);
        spin_lock(&lock); // dies holding a spinlock: preemption stays disabled
        (void)read_at(0);
    }));
    EXPECT_EQ(preempt_count(), preempt_before);
    EXPECT_EQ(exec_context().module, module_before);
    EXPECT_TRUE(has("exited with preempt_count 1\n")) << log();
    EXPECT_TRUE(has("exited holding 1 lock(s); they stay locked\n")) << log();
}

TEST_F(OopsTest, NestedBoundariesEndOnlyTheInnerCall) {
    bool outer_finished = false;
    EXPECT_TRUE(run_contained("outer", [&] {
        EXPECT_FALSE(run_contained("inner", [] { (void)read_at(0); }));
        EXPECT_TRUE(in_oops_boundary());
        outer_finished = true;
    }));
    EXPECT_TRUE(outer_finished);
}

TEST_F(OopsTest, FaultsOnOtherThreadsAreContainedThereToo) {
    bool returned = true;
    std::thread t([&] { returned = run_contained("thread", [] { write_at(0); }); });
    t.join();
    EXPECT_FALSE(returned);
    EXPECT_TRUE(has("#PF: supervisor write access in kernel mode\n")) << log();
}

noinline void throw_range_error() {
    throw std::range_error("out of range here");
}

TEST_F(OopsTest, AnEscapingExceptionEndsTheCallAndNamesTheThrower) {
    bool after = false;
    EXPECT_FALSE(run_contained("test throw", [&] {
        throw_range_error();
        after = true;
    }));
    EXPECT_FALSE(after);
    EXPECT_TRUE(has("kernel BUG: C++ exception std::range_error escaped from module code: out of "
                    "range here\n"))
        << log();
    EXPECT_TRUE(has("RIP: 0010:lkmfs::kernel::(anonymous namespace)::throw_range_error+0x"))
        << log();
    EXPECT_TRUE(has("the oops ended test throw of ")) << log();
    EXPECT_TRUE(test_taint(kTaintDie));
}

TEST_F(OopsTest, AnExceptionCaughtInsideTheCallIsNoOops) {
    int caught = 0;
    EXPECT_TRUE(run_contained("test catch", [&] {
        try {
            throw_range_error();
        } catch (const std::range_error &) {
            ++caught;
        }
    }));
    EXPECT_EQ(caught, 1);
    EXPECT_FALSE(has("kernel BUG")) << log();
}

TEST_F(OopsTest, AbortEndsTheCallLikeBug) {
    EXPECT_FALSE(run_contained("test abort", [] { std::abort(); }));
    EXPECT_TRUE(has("kernel BUG: abort() called in module code\n")) << log();
    EXPECT_TRUE(has("invalid opcode: 0000 [#")) << log();
    // The thread goes on, and a later abort is contained the same way.
    EXPECT_FALSE(run_contained("test abort", [] { std::abort(); }));
}

// An exception leaving a noexcept function: std::terminate, then abort().
noinline void throw_through_noexcept() noexcept {
    throw_range_error();
}

TEST_F(OopsTest, TerminateFromNoexceptEndsTheCallAndEndsTheExceptionsHandling) {
    EXPECT_FALSE(run_contained("test terminate", [] { throw_through_noexcept(); }));
    EXPECT_TRUE(has("kernel BUG: abort() called in module code\n")) << log();
    // std::terminate had begun handling the exception; the jump out of abort() skipped its
    // end. It must not stay current on this thread (nor leak: the ASan build checks that).
    EXPECT_EQ(std::current_exception(), nullptr);
    // An exception handled around the boundary is not the boundary's to end.
    try {
        throw std::runtime_error("outer");
    } catch (const std::runtime_error &) {
        EXPECT_FALSE(run_contained("test terminate", [] { throw_through_noexcept(); }));
        EXPECT_NE(std::current_exception(), nullptr);
    }
    EXPECT_EQ(std::current_exception(), nullptr);
}

TEST(OopsDeathTest, AFaultOutsideAnyBoundaryStillKillsTheProcess) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // SIGSEGV in a plain build; a sanitizer build's own handler reports it and exits.
    EXPECT_DEATH(
        {
            KernelOptions o;
            o.console_loglevel = 0;
            Kernel kernel(o);
            (void)read_at(0);
        },
        "");
}

} // namespace
} // namespace lkmfs::kernel
