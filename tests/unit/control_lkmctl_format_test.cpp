// lkmctl's output formats and kmod's wording, checked against what kmod 30 and util-linux
// 2.38 print (the expected texts were taken from those tools on Debian 12).
#include "dmesg_format.h"
#include "kmod_wording.h"
#include "lsmod_format.h"
#include "modinfo_format.h"
#include "rmmod_wait_format.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>

namespace lkmfs::lkmctl {
namespace {

using control::LogRow;
using control::ModuleRow;

TEST(LkmctlLsmodFormatTest, ColumnsAndHoldersAsKmod) {
    std::vector<ModuleRow> modules{
        {"kconsumer", 16384, 0, {}, "Live", 0, "OE"},
        {"kprovider", 20480, 2, {"kconsumer", "kother"}, "Live", 0, "OE"},
        {"a_module_with_a_long_name", 123456789, -1, {}, "Unloading", 0, ""},
    };
    EXPECT_EQ(format_lsmod(modules), "Module                  Size  Used by\n"
                                     "kconsumer              16384  0\n"
                                     "kprovider              20480  2 kconsumer,kother\n"
                                     "a_module_with_a_long_name 123456789  -1\n");
    EXPECT_EQ(format_lsmod({}), "Module                  Size  Used by\n");
}

TEST(LkmctlRmmodWaitFormatTest, NamesEachCallAndWhatEndsTheWait) {
    control::RmmodWait wait{"waitq",
                            false,
                            {{"waitq", "read", 101, "cat", "S"},
                             {"dir/entry", "write", 102, "sh", "R"},
                             {"waitq", "read", 103, "python3", "D"}}};
    EXPECT_EQ(format_rmmod_wait(wait),
              "rmmod: waiting for 3 calls into waitq to return:\n"
              "rmmod:   read of waitq by pid 101 (cat), asleep\n"
              "rmmod:   write of dir/entry by pid 102 (sh), running\n"
              "rmmod:   read of waitq by pid 103 (python3), asleep uninterruptibly (D)\n"
              "rmmod: 'lkmctl rmmod -f waitq' interrupts them as a signal would, except the "
              "uninterruptible sleeps (D)\n"
              "rmmod: Ctrl-C stops waiting here; the removal goes on\n");

    wait.calls.erase(wait.calls.begin(), wait.calls.begin() + 2);
    EXPECT_EQ(format_rmmod_wait(wait),
              "rmmod: waiting for 1 call into waitq to return:\n"
              "rmmod:   read of waitq by pid 103 (python3), asleep uninterruptibly (D)\n"
              "rmmod: they sleep uninterruptibly (D): no signal ends them, not even rmmod -f\n"
              "rmmod: Ctrl-C stops waiting here; the removal goes on\n");
    wait.forced = true;
    EXPECT_EQ(format_rmmod_wait(wait),
              "rmmod: waiting for 1 call into waitq to return:\n"
              "rmmod:   read of waitq by pid 103 (python3), asleep uninterruptibly (D)\n"
              "rmmod: forced, but no signal ends an uninterruptible sleep (D): it returns when "
              "what it waits for happens\n"
              "rmmod: Ctrl-C stops waiting here; the removal goes on\n");
}

TEST(LkmctlRmmodWaitFormatTest, ListsTenCallsAndCountsTheRest) {
    control::RmmodWait wait{"ks_sleep", true, {}};
    for (int i = 0; i < 12; ++i)
        wait.calls.push_back({"ks_sleep", "read", 200 + i, "cat", "S"});
    std::string text = format_rmmod_wait(wait);
    EXPECT_NE(text.find("rmmod:   read of ks_sleep by pid 209 (cat), asleep\n"
                        "rmmod:   ... and 2 more\n"
                        "rmmod: forced: interrupting them as a signal would\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("pid 210"), std::string::npos) << text;
}

TEST(LkmctlModinfoFormatTest, FieldsThenParametersAsKmod) {
    // `modinfo my-mod.ko` of kmod 30 for a file whose .modinfo holds these, in this order.
    ModinfoFields fields{{"license", "GPL"},
                         {"parm", "debug:enable debug"},
                         {"parmtype", "debug:int"},
                         {"author", "Me"},
                         {"parmtype", "n:uint"},
                         {"parm", "msg:the message"},
                         {"description", "multi\nline"}};
    EXPECT_EQ(format_modinfo("/tmp/kt/my-mod.ko", fields),
              "filename:       /tmp/kt/my-mod.ko\n"
              "license:        GPL\n"
              "author:         Me\n"
              "description:    multi\n"
              "line\n"
              "parm:           msg:the message\n"
              "parm:           n:uint\n"
              "parm:           debug:enable debug (int)\n");
}

TEST(LkmctlModinfoFormatTest, KeysLongerThanTheColumnKeepPrintfSpacing) {
    // printf("%s:%-*s", key, 15 - strlen(key), "") pads by |15 - length|.
    EXPECT_EQ(format_modinfo_fields({{"a_very_long_key_name", "v"}}),
              "a_very_long_key_name:     v\n");
    EXPECT_EQ(format_modinfo_fields({{"parm", "nocolon"}}), ""); // kmod skips it too
}

TEST(LkmctlDmesgFormatTest, TimestampAsUtilLinux) {
    EXPECT_EQ(format_dmesg_record({0, 1234567, 6, 0, false, "hello"}, false),
              "[    1.234567] hello\n");
    EXPECT_EQ(format_dmesg_record({0, 123456000001, 6, 0, false, "late"}, false),
              "[123456.000001] late\n");
    EXPECT_EQ(format_dmesg_record({0, 0, 6, 0, false, "boot"}, false), "[    0.000000] boot\n");
}

TEST(LkmctlDmesgFormatTest, RawPrefixesFacilityAndLevel) {
    EXPECT_EQ(format_dmesg_record({0, 1234567, 6, 0, false, "hello"}, true),
              "<6>[    1.234567] hello\n");
    EXPECT_EQ(format_dmesg_record({0, 1234567, 3, 1, false, "user"}, true),
              "<11>[    1.234567] user\n");
}

TEST(LkmctlDmesgFormatTest, ContinuationLinesAreIndentedToTheText) {
    EXPECT_EQ(format_dmesg_record({0, 1, 4, 0, false, "first\nsecond"}, false),
              "[    0.000001] first\n"
              "               second\n");
    EXPECT_EQ(format_dmesg_record({0, 1, 4, 0, false, "first\nsecond"}, true),
              "<4>[    0.000001] first\n"
              "                  second\n");
}

TEST(LkmctlDmesgFormatTest, UnprintableBytesAreEscapedAndEmptyRecordIsABlankLine) {
    EXPECT_EQ(format_dmesg_record({0, 1, 6, 0, false, "bell\x07 esc\x1b[31m tab\t"}, false),
              "[    0.000001] bell\\x07 esc\\x1b[31m tab\t\n");
    EXPECT_EQ(format_dmesg_record({0, 1, 6, 0, false, "caf\xc3\xa9"}, false),
              "[    0.000001] caf\xc3\xa9\n");
    EXPECT_EQ(format_dmesg_record({0, 1, 6, 0, false, ""}, false), "\n");
}

TEST(LkmctlDmesgLevelsTest, NamesAndNumbers) {
    std::string bad;
    auto filter = LevelFilter::parse("err,WARN,7", &bad);
    ASSERT_TRUE(filter);
    for (int level = 0; level < 8; ++level)
        EXPECT_EQ(filter->accepts(level), level == 3 || level == 4 || level == 7) << level;
    EXPECT_TRUE(LevelFilter::all().accepts(0));
    EXPECT_TRUE(LevelFilter::all().accepts(7));
}

TEST(LkmctlDmesgLevelsTest, UnknownLevelIsReported) {
    std::string bad;
    EXPECT_FALSE(LevelFilter::parse("err,bogus", &bad));
    EXPECT_EQ(bad, "bogus");
    EXPECT_FALSE(LevelFilter::parse("8", &bad));
    EXPECT_EQ(bad, "8");
    EXPECT_FALSE(LevelFilter::parse("warning", &bad)); // util-linux says "warn"
    EXPECT_EQ(bad, "warning");
    EXPECT_FALSE(LevelFilter::parse("err,,info", &bad));
    EXPECT_EQ(bad, "");
}

TEST(LkmctlKmodWordingTest, InsmodReasonsAsKmod) {
    EXPECT_EQ(insmod_strerror(ENOEXEC), "Invalid module format");
    EXPECT_EQ(insmod_strerror(ENOENT), "Unknown symbol in module");
    EXPECT_EQ(insmod_strerror(ESRCH), "Module has wrong symbol version");
    EXPECT_EQ(insmod_strerror(EINVAL), "Invalid parameters");
    EXPECT_EQ(insmod_strerror(EEXIST), "File exists");
    EXPECT_EQ(insmod_strerror(EPERM), "Operation not permitted");
}

TEST(LkmctlKmodWordingTest, ModuleNamesAsKmodNormalisesThem) {
    EXPECT_EQ(modname_normalize("my-mod.ko"), "my_mod");
    EXPECT_EQ(modname_normalize("hello"), "hello");
    EXPECT_EQ(modname_normalize("/nonexist.ko"), "/nonexist");
    EXPECT_EQ(path_to_modname("/a/b-c/hello-x.ko"), "hello_x");
    EXPECT_EQ(path_to_modname("hello.ko.xz"), "hello");
}

TEST(LkmctlKmodWordingTest, AbsolutePathKeepsTheArgumentsSpelling) {
    char cwd[4096];
    ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
    EXPECT_EQ(make_absolute("/abs/x.ko"), "/abs/x.ko");
    // kmod reports "./x.ko" as "/cwd/./x.ko"; $PWD may spell cwd through a symlink.
    std::string made = make_absolute("./x.ko");
    EXPECT_TRUE(made.ends_with("/./x.ko")) << made;
    EXPECT_EQ(made.front(), '/');
}

} // namespace
} // namespace lkmfs::lkmctl
