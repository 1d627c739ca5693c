// kmemleak through a real mount: a module that leaks (tests/modules/kleak: a table at
// init, a note on every write but the last) is removed, and the log shows each leaked
// object as Linux's kmemleak does -- address and size, the task that allocated it, a hex
// dump and the symbolized backtrace naming the module's functions -- then the count. With
// `debug: kmemleak: false` only the one-line total remains.
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace lkmfs::testing {
namespace {

// Two writes: the first note ("first note\n", 12 bytes with its NUL) leaks.
void write_two_notes(const Daemon &d) {
    RunResult first = sh("echo 'first note' > " + d.path("kleak"));
    ASSERT_EQ(first.status, 0) << first.err;
    RunResult second = sh("echo second > " + d.path("kleak"));
    ASSERT_EQ(second.status, 0) << second.err;
    RunResult cat = run({"cat", d.path("kleak")});
    EXPECT_EQ(cat.out, "second\n");
}

TEST(Kmemleak, RmmodReportsEachLeakedObjectWithItsBacktrace) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult ins = d.lkmctl({"insmod", BuildTree::test_module("kleak")});
    ASSERT_EQ(ins.status, 0) << ins.err;
    write_two_notes(d);
    RunResult rm = d.lkmctl({"rmmod", "kleak"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    std::string log = d.lkmctl({"dmesg"}).out;

    // The table, allocated by init on behalf of lkmctl insmod.
    EXPECT_TRUE(std::regex_search(
        log,
        std::regex(R"(kmemleak: unreferenced object 0x[0-9a-f]{8,} \(size 64\):\n)"
                   R"(.*kmemleak:   comm "lkmctl", pid [0-9]+, jiffies [0-9]+ )"
                   R"(\(age [0-9]+\.[0-9]{3}s\)\n)"
                   R"(.*kmemleak:   hex dump \(first 32 bytes\):\n)"
                   R"(.*    6b 6c 65 61 6b 20 74 61 62 6c 65 3a 20 6e 65 76  kleak table: nev\n)"
                   R"(.*    65 72 20 66 72 65 65 64 00 00 00 00 00 00 00 00  er freed........\n)"
                   R"(.*kmemleak:   backtrace:\n)"
                   R"(.*kmemleak:     \[<[0-9a-f]{16}>\] kmalloc\+0x[0-9a-f]+/0x[0-9a-f]+\n)"
                   R"(.*kmemleak:     \[<[0-9a-f]{16}>\] kleak_alloc_table\+0x[0-9a-f]+/)"
                   R"(0x[0-9a-f]+ \[kleak\]\n)"
                   R"(.*kmemleak:     \[<[0-9a-f]{16}>\] kleak_init\+0x[0-9a-f]+/0x[0-9a-f]+ )"
                   R"(\[kleak\]\n)")))
        << log;
    // The first note, allocated in the write handler on behalf of the shell.
    EXPECT_TRUE(std::regex_search(
        log, std::regex(R"(kmemleak: unreferenced object 0x[0-9a-f]{8,} \(size 12\):\n)"
                        R"(.*kmemleak:   comm "sh", pid [0-9]+, )")))
        << log;
    EXPECT_TRUE(Contains(log, "kmemleak:   hex dump (first 12 bytes):")) << log;
    EXPECT_TRUE(std::regex_search(
        log, std::regex(R"(\] kleak_keep_note\+0x[0-9a-f]+/0x[0-9a-f]+ \[kleak\]\n)"
                        R"(.*\] kleak_write\+0x[0-9a-f]+/0x[0-9a-f]+ \[kleak\]\n)")))
        << log;
    EXPECT_TRUE(Contains(log, "kmemleak: 2 new suspected memory leaks")) << log;
    EXPECT_TRUE(Contains(log, "kleak: module leaked 2 object(s), 76 bytes")) << log;
    EXPECT_FALSE(Contains(log, "(size 7)")) << "the latest note was freed by exit";
    EXPECT_TRUE(LacksText(log, "lkmfs::")) << "no daemon internals in the backtraces";

    // The daemon serves on, and the module loads again.
    EXPECT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kleak")}).status, 0);
    EXPECT_EQ(d.lkmctl({"rmmod", "kleak"}).status, 0);
    EXPECT_EQ(d.stop(), 0) << d.output();
}

TEST(Kmemleak, OffInTheConfigKeepsOnlyTheTotal) {
    Daemon d({.config = "modules:\n  load: []\ndebug:\n  kmemleak: false\n"});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kleak")}).status, 0);
    write_two_notes(d);
    ASSERT_EQ(d.lkmctl({"rmmod", "kleak"}).status, 0);
    std::string log = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(log, "kleak: module leaked 2 object(s), 76 bytes")) << log;
    EXPECT_TRUE(LacksText(log, "unreferenced object")) << log;
    EXPECT_TRUE(LacksText(log, "kmemleak")) << log;
    EXPECT_EQ(d.stop(), 0) << d.output();
}

} // namespace
} // namespace lkmfs::testing
