// The data-structure sample modules through the mount: fifo (a queue of lines on a
// list_head) and idset (a set of ids on an rbtree), driven by echo, printf, cat and dd.
#include "lkmfs_daemon.h"

#include <gtest/gtest.h>

#include <string>

namespace lkmfs::testing {
namespace {

// A daemon with one sample module inserted by lkmctl.
class SampleModule {
  public:
    explicit SampleModule(const std::string &name) : name_(name) {}
    bool load() {
        RunResult r = d.lkmctl({"insmod", BuildTree::sample_module(name_)});
        log_ = r.out + r.err;
        return d.started() && r.status == 0;
    }
    std::string path() const { return d.path(name_); }
    const std::string &log() const { return log_; }
    Daemon d;

  private:
    std::string name_;
    std::string log_;
};

TEST(FifoSample, EchoEnqueuesLinesAndCatDequeuesThemInOrder) {
    SampleModule m("fifo");
    ASSERT_TRUE(m.load()) << m.log() << m.d.output();
    EXPECT_EQ(sh("echo first > " + m.path()).status, 0);
    EXPECT_EQ(sh("printf 'second\\nthird\\n' > " + m.path()).status, 0);
    EXPECT_EQ(sh("printf 'no newline' > " + m.path()).status, 0);
    RunResult cat = run({"cat", m.path()});
    EXPECT_EQ(cat.status, 0) << cat.err;
    EXPECT_EQ(cat.out, "first\nsecond\nthird\nno newline\n");
    RunResult again = run({"cat", m.path()});
    EXPECT_EQ(again.status, 0);
    EXPECT_EQ(again.out, "") << "a read takes the lines off the queue";
}

TEST(FifoSample, SmallReadsTakeWholeLinesOnly) {
    SampleModule m("fifo");
    ASSERT_TRUE(m.load()) << m.log() << m.d.output();
    ASSERT_EQ(sh("printf 'aa\\nbbbb\\ncc\\n' > " + m.path()).status, 0);
    // 6 bytes hold "aa\n" but not "aa\nbbbb\n": one line per read until a line is too long.
    RunResult one = sh("dd if=" + m.path() + " bs=6 count=1 status=none");
    EXPECT_EQ(one.out, "aa\n");
    RunResult too_small = sh("dd if=" + m.path() + " bs=2 count=1 status=none");
    EXPECT_NE(too_small.status, 0);
    EXPECT_NE(too_small.err.find("Invalid argument"), std::string::npos) << too_small.err;
    RunResult rest = run({"cat", m.path()});
    EXPECT_EQ(rest.out, "bbbb\ncc\n");
}

TEST(FifoSample, OverlongLineRefusesTheWholeWrite) {
    SampleModule m("fifo");
    ASSERT_TRUE(m.load()) << m.log() << m.d.output();
    // coreutils' printf (not the shell's builtin) names the errno of a failed write.
    RunResult r = sh("env printf 'ok\\n%0300d\\n' 0 > " + m.path());
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("Invalid argument"), std::string::npos) << r.err;
    EXPECT_EQ(run({"cat", m.path()}).out, "") << "nothing of the refused write is queued";
}

TEST(FifoSample, QueuedLinesAreFreedAtRmmod) {
    SampleModule m("fifo");
    ASSERT_TRUE(m.load()) << m.log() << m.d.output();
    ASSERT_EQ(sh("for i in 1 2 3 4 5; do echo line$i > " + m.path() + "; done").status, 0);
    RunResult rm = m.d.lkmctl({"rmmod", "fifo"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    RunResult dmesg = m.d.lkmctl({"dmesg"});
    EXPECT_NE(dmesg.out.find("fifo: entry fifo removed"), std::string::npos) << dmesg.out;
    EXPECT_EQ(dmesg.out.find("leak"), std::string::npos) << dmesg.out;
}

TEST(IdsetSample, AddDelAndListInOrder) {
    SampleModule m("idset");
    ASSERT_TRUE(m.load()) << m.log() << m.d.output();
    for (const char *cmd : {"add 5", "add 3", "add 42", "add -7", "add 5"})
        EXPECT_EQ(sh(std::string("echo ") + cmd + " > " + m.path()).status, 0) << cmd;
    EXPECT_EQ(run({"cat", m.path()}).out, "-7\n3\n5\n42\n");
    EXPECT_EQ(sh("echo del 5 > " + m.path()).status, 0);
    EXPECT_EQ(run({"cat", m.path()}).out, "-7\n3\n42\n");

    // coreutils' echo (not the shell's builtin) names the errno of a failed write.
    RunResult missing = sh("/bin/echo del 5 > " + m.path());
    EXPECT_NE(missing.status, 0);
    EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;
    RunResult junk = sh("/bin/echo frobnicate > " + m.path());
    EXPECT_NE(junk.status, 0);
    EXPECT_NE(junk.err.find("Invalid argument"), std::string::npos) << junk.err;

    EXPECT_EQ(sh("echo clear > " + m.path()).status, 0);
    EXPECT_EQ(run({"cat", m.path()}).out, "");
}

TEST(IdsetSample, ManyIdsComeOutSortedAndReadableInPieces) {
    SampleModule m("idset");
    ASSERT_TRUE(m.load()) << m.log() << m.d.output();
    // 500 ids in a scrambled order (i * 7919 mod 1009 is a permutation of 0..1008).
    std::string script = "i=0; while [ $i -lt 500 ]; do echo add $(( i * 7919 % 1009 )) > " +
                         m.path() + " || exit 1; i=$((i + 1)); done";
    ASSERT_EQ(sh(script, {.timeout = std::chrono::milliseconds(60000)}).status, 0);
    RunResult sorted = sh("cat " + m.path() + " | sort -n -c && cat " + m.path() + " | wc -l");
    EXPECT_EQ(sorted.status, 0) << sorted.err;
    EXPECT_EQ(sorted.out, "500\n");
    RunResult pieces = sh("dd if=" + m.path() + " bs=7 status=none | cmp - " + m.path());
    EXPECT_EQ(pieces.status, 0) << pieces.out << pieces.err;
}

} // namespace
} // namespace lkmfs::testing
