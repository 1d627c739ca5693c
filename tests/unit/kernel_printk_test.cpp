// printk and the pr_* family (fsd/kernel/printk.cpp): level prefixes, KERN_DEFAULT,
// KERN_CONT, long messages and pr_fmt.
#define pr_fmt(fmt) "ktest: " fmt

#include "kernel/kernel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <linux/kernel.h>
#include <linux/printk.h>

namespace lkmfs::kernel {
namespace {

class KernelPrintkTest : public ::testing::Test {
  protected:
    static KernelOptions quiet() {
        KernelOptions options;
        options.console_loglevel = 0; // keep the test output clean
        return options;
    }

    // The records stored since the test began.
    std::vector<LogRecord> records() {
        std::vector<LogRecord> out;
        for (const LogRecord &r : kernel_.log().snapshot())
            if (r.seq >= start_)
                out.push_back(r);
        return out;
    }
    std::vector<std::string> texts() {
        std::vector<std::string> out;
        for (const LogRecord &r : records())
            out.push_back(r.text);
        return out;
    }

    Kernel kernel_{quiet()};
    std::uint64_t start_ = kernel_.log().next_seq();
};

TEST_F(KernelPrintkTest, LevelPrefixSetsLevelAndIsStripped) {
    printk(KERN_EMERG "level-0\n");
    printk(KERN_ALERT "level-1\n");
    printk(KERN_CRIT "level-2\n");
    printk(KERN_ERR "level-3\n");
    printk(KERN_WARNING "level-4\n");
    printk(KERN_NOTICE "level-5\n");
    printk(KERN_INFO "level-6\n");
    printk(KERN_DEBUG "level-7\n");
    auto recs = records();
    ASSERT_EQ(recs.size(), 8u);
    for (int level = 0; level < 8; ++level) {
        SCOPED_TRACE(level);
        const LogRecord &r = recs[static_cast<std::size_t>(level)];
        EXPECT_EQ(r.level, level);
        EXPECT_EQ(r.text, "level-" + std::to_string(level)); // no SOH, no newline
        EXPECT_EQ(r.facility, 0);
        EXPECT_FALSE(r.cont);
    }
}

TEST_F(KernelPrintkTest, MessagesWithoutLevelUseDefaultLoglevelFour) {
    printk("no level\n");
    printk(KERN_DEFAULT "kern default\n");
    auto recs = records();
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[0].level, 4);
    EXPECT_EQ(recs[0].text, "no level");
    EXPECT_EQ(recs[1].level, 4);
    EXPECT_EQ(recs[1].text, "kern default");
}

TEST_F(KernelPrintkTest, FormatsArguments) {
    printk(KERN_INFO "%s=%d %05.1f %x %c%%\n", "answer", 42, 3.14159, 255u, 'z');
    EXPECT_THAT(texts(), ::testing::ElementsAre("answer=42 003.1 ff z%"));
}

TEST_F(KernelPrintkTest, RecordsTheCallingThread) {
    printk(KERN_INFO "from main\n");
    pid_t other = 0;
    std::thread([&] {
        other = gettid();
        printk(KERN_INFO "from thread\n");
    }).join();
    auto recs = records();
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[0].caller, gettid());
    EXPECT_EQ(recs[1].caller, other);
    EXPECT_NE(recs[0].caller, recs[1].caller);
}

TEST_F(KernelPrintkTest, KernContAppendsToTheOpenLine) {
    printk(KERN_NOTICE "cont-a");
    printk(KERN_CONT "b");
    pr_cont("c%d", 1);
    pr_cont("\n");
    auto recs = records();
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].text, "cont-abc1");
    EXPECT_EQ(recs[0].level, 5);
    EXPECT_FALSE(recs[0].cont);
}

TEST_F(KernelPrintkTest, KernContAfterClosedLineStartsRecordAtDefaultLevel) {
    printk(KERN_ERR "closed\n");
    pr_cont("orphan\n");
    auto recs = records();
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[1].text, "orphan");
    EXPECT_EQ(recs[1].level, 4);
}

TEST_F(KernelPrintkTest, KernContFromAnotherThreadDoesNotJoinTheLine) {
    printk(KERN_INFO "main-part");
    std::thread([] { pr_cont("other-thread\n"); }).join();
    pr_cont("main-tail\n");
    EXPECT_THAT(texts(), ::testing::ElementsAre("main-part", "other-thread", "main-tail"));
}

TEST_F(KernelPrintkTest, MessagesAroundAndBeyond512BytesAreIntact) {
    for (std::size_t length : {510u, 511u, 512u, 513u, 700u, 900u}) {
        SCOPED_TRACE(length);
        std::string body;
        for (std::size_t i = 0; body.size() < length; ++i)
            body += static_cast<char>('a' + i % 26);
        std::uint64_t seq = kernel_.log().next_seq();
        // With the prefix and the newline the formatted text crosses 512 bytes too.
        printk(KERN_INFO "%s\n", body.c_str());
        LogRead r = kernel_.log().read(seq);
        ASSERT_EQ(r.status, LogRead::Status::Record);
        EXPECT_EQ(r.record.text, body);
        EXPECT_EQ(r.record.level, 6);
    }
}

TEST_F(KernelPrintkTest, LongMessageWithSeveralArgumentsIsIntact) {
    std::string a(300, 'A');
    std::string b(300, 'B');
    printk(KERN_WARNING "%s|%d|%s|%s\n", a.c_str(), 12345, b.c_str(), "end");
    auto recs = records();
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].text, a + "|12345|" + b + "|end");
    EXPECT_EQ(recs[0].level, 4);
}

TEST_F(KernelPrintkTest, LongContinuationIsIntact) {
    std::string part(600, 'p');
    printk(KERN_INFO "head:");
    pr_cont("%s", part.c_str());
    pr_cont(":tail\n");
    EXPECT_THAT(texts(), ::testing::ElementsAre("head:" + part + ":tail"));
}

// Linux 6.1's printk returns the length of the text it stored: without the level prefix and
// without the trailing newline (vprintk_store returns text_len after printk_sprint).
TEST_F(KernelPrintkTest, ReturnsLengthOfStoredText) {
    EXPECT_EQ(_printk(KERN_INFO "abc"), 3);
    EXPECT_EQ(_printk(KERN_INFO "abc\n"), 3);
}

TEST_F(KernelPrintkTest, PrMacrosUsePrFmtAndTheirLevels) {
    pr_emerg("emerg %d\n", 0);
    pr_alert("alert %d\n", 1);
    pr_crit("crit %d\n", 2);
    pr_err("err %d\n", 3);
    pr_warn("warn %d\n", 4);
    pr_notice("notice %d\n", 5);
    pr_info("info %d\n", 6);
    pr_warning("warning %d\n", 4);
    auto recs = records();
    ASSERT_EQ(recs.size(), 8u);
    const char *names[] = {"emerg", "alert", "crit", "err", "warn", "notice", "info", "warning"};
    const int levels[] = {0, 1, 2, 3, 4, 5, 6, 4};
    for (std::size_t i = 0; i < 8; ++i) {
        SCOPED_TRACE(names[i]);
        EXPECT_EQ(recs[i].level, levels[i]);
        EXPECT_EQ(recs[i].text,
                  std::string("ktest: ") + names[i] + " " + std::to_string(levels[i]));
    }
}

TEST_F(KernelPrintkTest, PrContDoesNotRepeatPrFmt) {
    pr_info("first");
    pr_cont(" second\n");
    EXPECT_THAT(texts(), ::testing::ElementsAre("ktest: first second"));
}

TEST_F(KernelPrintkTest, PrDebugIsCompiledAwayWithoutDebug) {
    int n = pr_debug("invisible %d\n", 1);
    EXPECT_EQ(n, 0);
    EXPECT_TRUE(records().empty());
}

TEST_F(KernelPrintkTest, PrInfoOncePrintsOnce) {
    for (int i = 0; i < 3; ++i)
        pr_info_once("once %d\n", i);
    EXPECT_THAT(texts(), ::testing::ElementsAre("ktest: once 0"));
}

} // namespace
} // namespace lkmfs::kernel
