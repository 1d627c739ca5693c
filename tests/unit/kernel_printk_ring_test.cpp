// The kernel log ring (fsd/kernel/printk_ring): sequence numbers, timestamps, trimming of
// the oldest records, continuation lines, waiting readers, and the console (through a
// Kernel and its console_loglevel).
#include "kernel/kernel.h"
#include "kernel/printk_ring.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <linux/printk.h>

namespace lkmfs::kernel {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kRecord = LogRead::Status::Record;
constexpr auto kOverwritten = LogRead::Status::Overwritten;
constexpr auto kEnd = LogRead::Status::End;

// A reader blocked in wait_for on another thread. The test fails (rather than hangs) if
// the reader never comes back.
class Waiter {
  public:
    Waiter(const PrintkRing &ring, std::uint64_t seq, const std::atomic<bool> *stop = nullptr)
        : ring_(ring), stop_(stop) {
        result_ = std::async(std::launch::async, [this, seq] {
            return ring_.wait_for(seq,
                                  [this] { return cancel_.load() || (stop_ && stop_->load()); });
        });
    }
    ~Waiter() {
        cancel_.store(true);
        ring_.kick_waiters();
        if (result_.valid() && result_.wait_for(10s) != std::future_status::ready) {
            std::fprintf(stderr, "a PrintkRing::wait_for never returned; aborting\n");
            std::abort();
        }
    }
    Waiter(const Waiter &) = delete;
    Waiter &operator=(const Waiter &) = delete;

    bool returned_within(std::chrono::milliseconds limit) {
        return result_.wait_for(limit) == std::future_status::ready;
    }
    bool result() { return result_.get(); }

  private:
    const PrintkRing &ring_;
    const std::atomic<bool> *stop_;
    std::atomic<bool> cancel_{false};
    std::future<bool> result_;
};

std::vector<std::string> texts(const PrintkRing &ring) {
    std::vector<std::string> out;
    for (const LogRecord &r : ring.snapshot())
        out.push_back(r.text);
    return out;
}

TEST(KernelPrintkRingTest, SequenceNumbersCountFromZero) {
    PrintkRing ring(4096);
    EXPECT_EQ(ring.first_seq(), 0u);
    EXPECT_EQ(ring.next_seq(), 0u);
    LogRead empty = ring.read(0);
    EXPECT_EQ(empty.status, kEnd);
    EXPECT_EQ(empty.next_seq, 0u);

    const char *lines[] = {"zero\n", "one\n", "two\n"};
    for (const char *line : lines)
        ring.store(6, false, 100, line);
    EXPECT_EQ(ring.first_seq(), 0u);
    EXPECT_EQ(ring.next_seq(), 3u);
    const char *expected[] = {"zero", "one", "two"};
    for (std::uint64_t seq = 0; seq < 3; ++seq) {
        SCOPED_TRACE(seq);
        LogRead r = ring.read(seq);
        ASSERT_EQ(r.status, kRecord);
        EXPECT_EQ(r.record.seq, seq);
        EXPECT_EQ(r.record.text, expected[seq]);
        EXPECT_EQ(r.next_seq, seq + 1);
    }
    LogRead end = ring.read(3);
    EXPECT_EQ(end.status, kEnd);
    EXPECT_EQ(end.next_seq, 3u);
}

TEST(KernelPrintkRingTest, RecordKeepsLevelFacilityCallerAndDropsOneNewline) {
    PrintkRing ring(4096);
    ring.store(3, false, 4242, "message\n", 0);
    ring.store(5, false, 4243, "two newlines\n\n", 1);
    ring.store(7, false, 4244, "no newline");
    // A line still open is not a record yet (Linux 6.1 shows finalized records only).
    ASSERT_EQ(ring.snapshot().size(), 2u);
    EXPECT_EQ(ring.read(2).status, kEnd);
    ring.store(6, false, 4245, "closes the open line\n");
    auto records = ring.snapshot();
    ASSERT_EQ(records.size(), 4u);
    EXPECT_EQ(records[0].level, 3);
    EXPECT_EQ(records[0].facility, 0);
    EXPECT_EQ(records[0].caller, 4242);
    EXPECT_EQ(records[0].text, "message");
    EXPECT_FALSE(records[0].cont);
    EXPECT_EQ(records[1].level, 5);
    EXPECT_EQ(records[1].facility, 1);
    EXPECT_EQ(records[1].text, "two newlines\n"); // only the last newline ends the line
    EXPECT_FALSE(records[1].cont);
    EXPECT_EQ(records[2].text, "no newline");
    EXPECT_FALSE(records[2].cont); // closed by the next record
}

TEST(KernelPrintkRingTest, TimestampsAreMonotonic) {
    PrintkRing ring(4096);
    for (int i = 0; i < 5; ++i) {
        ring.store(6, false, 1, "tick\n");
        std::this_thread::sleep_for(2ms);
    }
    auto records = ring.snapshot();
    ASSERT_EQ(records.size(), 5u);
    for (std::size_t i = 1; i < records.size(); ++i) {
        SCOPED_TRACE(i);
        // Two stores 2 ms apart are at least 2000 us apart on a monotonic clock.
        EXPECT_GE(records[i].ts_usec, records[i - 1].ts_usec + 2000);
    }
    EXPECT_LE(records.back().ts_usec, ring.now_usec());
    EXPECT_LT(records.front().ts_usec, 10'000'000u); // counted from the ring's creation
}

TEST(KernelPrintkRingTest, TrimsOldestRecordsFirstWithinCapacity) {
    constexpr std::size_t kCapacity = 1024;
    PrintkRing ring(kCapacity);
    auto line = [](std::uint64_t i) {
        std::string s = "record " + std::to_string(i) + " ";
        s.resize(40, '.');
        return s;
    };
    for (std::uint64_t i = 0; i < 100; ++i)
        ring.store(6, false, 1, line(i) + "\n");

    EXPECT_EQ(ring.next_seq(), 100u);
    std::uint64_t first = ring.first_seq();
    EXPECT_GT(first, 0u);
    auto records = ring.snapshot();
    ASSERT_GE(records.size(), 2u);
    EXPECT_EQ(records.front().seq, first);
    EXPECT_EQ(records.back().seq, 99u);
    std::size_t text_bytes = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        EXPECT_EQ(records[i].seq, first + i); // the newest records, without holes
        EXPECT_EQ(records[i].text, line(first + i));
        text_bytes += records[i].text.size();
    }
    EXPECT_LE(text_bytes, kCapacity);

    for (std::uint64_t gone : {std::uint64_t{0}, first - 1}) {
        SCOPED_TRACE(gone);
        LogRead r = ring.read(gone);
        EXPECT_EQ(r.status, kOverwritten);
        EXPECT_EQ(r.next_seq, first); // the reader resumes at the oldest record kept
    }
    LogRead oldest = ring.read(first);
    ASSERT_EQ(oldest.status, kRecord);
    EXPECT_EQ(oldest.record.text, line(first));
}

TEST(KernelPrintkRingTest, ContinuationAppendsToOpenRecordOfSameCaller) {
    PrintkRing ring(4096);
    ring.store(6, false, 7, "a");
    ring.store(4, true, 7, "b");
    ring.store(4, true, 7, "c\n");
    ASSERT_EQ(ring.next_seq(), 1u);
    LogRead r = ring.read(0);
    ASSERT_EQ(r.status, kRecord);
    EXPECT_EQ(r.record.text, "abc");
    EXPECT_EQ(r.record.level, 6); // the record keeps the level of its first part
    EXPECT_FALSE(r.record.cont);

    // The newline closed the record: another continuation starts a new one.
    ring.store(6, true, 7, "d\n");
    EXPECT_EQ(ring.next_seq(), 2u);
    EXPECT_THAT(texts(ring), ::testing::ElementsAre("abc", "d"));
}

TEST(KernelPrintkRingTest, ContinuationFromAnotherCallerStartsNewRecord) {
    PrintkRing ring(4096);
    ring.store(6, false, 7, "mine");
    ring.store(5, true, 8, "theirs\n");
    auto records = ring.snapshot();
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].text, "mine");
    EXPECT_FALSE(records[0].cont); // closed by the other caller's record
    EXPECT_EQ(records[1].text, "theirs");
    EXPECT_EQ(records[1].caller, 8);
    EXPECT_EQ(records[1].level, 5);

    // The first caller's line was closed: its continuation is a record of its own.
    ring.store(6, true, 7, " more\n");
    EXPECT_THAT(texts(ring), ::testing::ElementsAre("mine", "theirs", " more"));
}

TEST(KernelPrintkRingTest, NewRecordClosesPreviousOpenRecord) {
    PrintkRing ring(4096);
    ring.store(6, false, 7, "first");
    ring.store(6, false, 7, "second");
    ring.store(6, true, 7, "-cont\n");
    auto records = ring.snapshot();
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].text, "first");
    EXPECT_FALSE(records[0].cont);
    EXPECT_EQ(records[1].text, "second-cont");
    EXPECT_FALSE(records[1].cont);
}

TEST(KernelPrintkRingTest, ContinuationIntoEmptyRingStartsRecord) {
    PrintkRing ring(4096);
    ring.store(5, true, 7, "alone\n");
    auto records = ring.snapshot();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].seq, 0u);
    EXPECT_EQ(records[0].text, "alone");
    EXPECT_EQ(records[0].level, 5);
}

TEST(KernelPrintkRingTest, ObserverSeesEachNewAndGrowingRecord) {
    PrintkRing ring(4096);
    std::vector<LogRecord> seen;
    ring.set_console([&](const LogRecord &r) { seen.push_back(r); });
    ring.store(3, false, 1, "a");
    ring.store(3, true, 1, "b\n");
    ring.store(6, false, 1, "c\n");
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].text, "a");
    EXPECT_TRUE(seen[0].cont);
    EXPECT_EQ(seen[1].seq, 0u);
    EXPECT_EQ(seen[1].text, "ab");
    EXPECT_FALSE(seen[1].cont);
    EXPECT_EQ(seen[2].seq, 1u);
    EXPECT_EQ(seen[2].text, "c");
    EXPECT_EQ(seen[2].level, 6);
}

TEST(KernelPrintkRingTest, WaitForReturnsAtOnceWhenRecordExists) {
    PrintkRing ring(4096);
    ring.store(6, false, 1, "there\n");
    Waiter waiter(ring, 0);
    ASSERT_TRUE(waiter.returned_within(5s));
    EXPECT_TRUE(waiter.result());
}

TEST(KernelPrintkRingTest, WaitForWakesWhenTheAwaitedRecordIsStored) {
    PrintkRing ring(4096);
    ring.store(6, false, 1, "zero\n");
    Waiter waiter(ring, 1);
    EXPECT_FALSE(waiter.returned_within(100ms));
    ring.store(6, false, 1, "one\n");
    ASSERT_TRUE(waiter.returned_within(5s));
    EXPECT_TRUE(waiter.result());
}

TEST(KernelPrintkRingTest, WaitForReturnsFalseWhenInterruptedAndKicked) {
    PrintkRing ring(4096);
    std::atomic<bool> stop{false};
    Waiter waiter(ring, 0, &stop);
    EXPECT_FALSE(waiter.returned_within(100ms));
    stop.store(true);
    ring.kick_waiters();
    ASSERT_TRUE(waiter.returned_within(5s));
    EXPECT_FALSE(waiter.result());
    EXPECT_EQ(ring.next_seq(), 0u);
}

TEST(KernelPrintkRingTest, ManyWaitersAllWakeOnOneStore) {
    PrintkRing ring(4096);
    std::vector<std::unique_ptr<Waiter>> waiters;
    for (int i = 0; i < 4; ++i)
        waiters.push_back(std::make_unique<Waiter>(ring, 0));
    std::this_thread::sleep_for(50ms);
    ring.store(6, false, 1, "wake\n");
    for (auto &w : waiters) {
        ASSERT_TRUE(w->returned_within(5s));
        EXPECT_TRUE(w->result());
    }
}

// ---- the console, through a Kernel ------------------------------------------------------

KernelOptions console_options(int console_loglevel) {
    KernelOptions options;
    options.log_buf_bytes = 1 << 16;
    options.console_loglevel = console_loglevel;
    return options;
}

std::size_t count_of(const std::string &haystack, const std::string &needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size()))
        ++n;
    return n;
}

TEST(KernelConsoleTest, PrintsRecordsBelowConsoleLoglevel) {
    Kernel kernel(console_options(4));
    ::testing::internal::CaptureStderr();
    printk(KERN_EMERG "console-emerg\n");
    printk(KERN_ERR "console-err\n");
    printk(KERN_WARNING "console-warning\n");
    printk(KERN_INFO "console-info\n");
    printk("console-default\n");
    std::string console = ::testing::internal::GetCapturedStderr();
    EXPECT_THAT(console, HasSubstr("console-emerg"));
    EXPECT_THAT(console, HasSubstr("console-err"));
    EXPECT_THAT(console, Not(HasSubstr("console-warning")));
    EXPECT_THAT(console, Not(HasSubstr("console-info")));
    EXPECT_THAT(console, Not(HasSubstr("console-default"))); // the default level is 4
    // Formatted as the kernel's console: "[seconds.micros] text".
    EXPECT_TRUE(std::regex_search(console, std::regex(R"(\[ *\d+\.\d{6}\] console-err\n)")))
        << console;
    // Every record is in the log whatever the console shows.
    EXPECT_EQ(kernel.log().next_seq(), 5u);
}

TEST(KernelConsoleTest, LoglevelEightShowsDebugAndZeroShowsNothing) {
    {
        Kernel kernel(console_options(8));
        ::testing::internal::CaptureStderr();
        printk(KERN_DEBUG "debug-shown\n");
        EXPECT_THAT(::testing::internal::GetCapturedStderr(), HasSubstr("debug-shown"));
    }
    {
        Kernel kernel(console_options(0));
        ::testing::internal::CaptureStderr();
        printk(KERN_EMERG "emerg-hidden\n");
        EXPECT_THAT(::testing::internal::GetCapturedStderr(), Not(HasSubstr("emerg-hidden")));
    }
}

TEST(KernelConsoleTest, ContinuedLineIsPrintedOnceWhenComplete) {
    Kernel kernel(console_options(4));
    ::testing::internal::CaptureStderr();
    printk(KERN_ERR "cont-start ");
    pr_cont("cont-middle ");
    pr_cont("cont-end\n");
    std::string console = ::testing::internal::GetCapturedStderr();
    EXPECT_THAT(console, HasSubstr("] cont-start cont-middle cont-end\n"));
    EXPECT_EQ(count_of(console, "cont-start"), 1u) << console;
}

// Linux 6.1 finalizes a record left open when the next record is reserved, and the console
// then prints it: the line is late, never lost.
TEST(KernelConsoleTest, LineClosedByAnotherRecordIsStillPrinted) {
    Kernel kernel(console_options(4));
    ::testing::internal::CaptureStderr();
    printk(KERN_ERR "unterminated-line");
    printk(KERN_ERR "next-line\n");
    std::string console = ::testing::internal::GetCapturedStderr();
    EXPECT_THAT(console, HasSubstr("next-line"));
    EXPECT_THAT(console, HasSubstr("unterminated-line")) << console;
}

TEST(KernelConsoleTest, ShutdownWakesLogReaders) {
    Kernel kernel(console_options(0));
    std::uint64_t next = kernel.log().next_seq();
    auto reader = std::async(std::launch::async, [&] {
        return kernel.log().wait_for(next, [&] { return kernel.shutting_down(); });
    });
    EXPECT_EQ(reader.wait_for(100ms), std::future_status::timeout);
    kernel.begin_shutdown();
    if (reader.wait_for(5s) != std::future_status::ready) {
        ADD_FAILURE() << "begin_shutdown() did not wake the reader";
        std::abort(); // the reader would block the destructor forever
    }
    EXPECT_FALSE(reader.get());
}

} // namespace
} // namespace lkmfs::kernel
