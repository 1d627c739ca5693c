// Fault injection through a real mount, on the kbuf sample: with failslab every 2nd call
// its write handler's kmalloc fails and write(2) gets ENOMEM; with fail_usercopy its
// copy_to_user/copy_from_user fail and cat, dd and write(2) get EFAULT; each forced failure is
// reported as Linux reports it; the module unloads without leaks. Set at run time with
// `lkmctl fault`, or in the config before the module loads (failing its init).
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace lkmfs::testing {
namespace {

// One write(2) of "TEXT\n"; on failure, exit status 1 and strerror's text on stderr (dash's
// echo says "I/O error" whatever the errno, so the shell cannot tell ENOMEM from EFAULT).
RunResult echo_into(const Daemon &d, const std::string &text) {
    return python("import os, sys\n"
                  "fd = os.open(sys.argv[1], os.O_WRONLY)\n"
                  "try:\n"
                  "    os.write(fd, (sys.argv[2] + '\\n').encode())\n"
                  "except OSError as e:\n"
                  "    sys.exit(e.strerror)\n",
                  {d.path("kbuf"), text});
}

TEST(FaultInjection, FailslabAndFailUsercopyDriveKbufErrorPaths) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::sample_module("kbuf")}).status, 0);

    RunResult set = d.lkmctl({"fault", "kbuf", "failslab", "interval=2"});
    ASSERT_EQ(set.status, 0) << set.err;
    RunResult shown = d.lkmctl({"fault", "kbuf"});
    EXPECT_EQ(shown.out, "failslab: probability=100 interval=2 times=-1 space=0 verbose=2\n");

    // Every 2nd allocation fails: the 1st and 3rd writes work, the 2nd and 4th get ENOMEM.
    EXPECT_EQ(echo_into(d, "one").status, 0);
    RunResult second = echo_into(d, "two");
    EXPECT_NE(second.status, 0);
    EXPECT_TRUE(Contains(second.err, "Cannot allocate memory")) << second.err;
    EXPECT_EQ(echo_into(d, "three").status, 0);
    EXPECT_NE(echo_into(d, "four").status, 0);
    EXPECT_EQ(run({"cat", d.path("kbuf")}).out, "three\n") << "failed writes change nothing";

    std::string log = d.lkmctl({"dmesg"}).out;
    EXPECT_EQ(count_of(log, "FAULT_INJECTION: forcing a failure."), 2u) << log;
    EXPECT_TRUE(Contains(log, "name failslab, interval 2, probability 100, space 0, times -1"));
    EXPECT_TRUE(std::regex_search(
        log, std::regex(R"(Call Trace:\n.*<TASK>\n.* kmalloc\+0x[0-9a-f]+/0x[0-9a-f]+\n)"
                        R"(.* kbuf_write\+0x[0-9a-f]+/0x[0-9a-f]+ \[kbuf\]\n)")))
        << log;

    // fail_usercopy (its defaults: every call): reads and writes get EFAULT.
    ASSERT_EQ(d.lkmctl({"fault", "kbuf", "failslab", "off"}).status, 0);
    ASSERT_EQ(d.lkmctl({"fault", "kbuf", "fail_usercopy", "verbose=1"}).status, 0);
    EXPECT_EQ(d.lkmctl({"fault", "kbuf"}).out,
              "fail_usercopy: probability=100 interval=1 times=-1 space=0 verbose=1\n");
    RunResult cat = run({"cat", d.path("kbuf")});
    EXPECT_NE(cat.status, 0);
    EXPECT_TRUE(Contains(cat.err, "Bad address")) << cat.err;
    RunResult dd = run({"dd", "if=" + d.path("kbuf"), "of=/dev/null", "bs=64", "status=none"});
    EXPECT_NE(dd.status, 0);
    EXPECT_TRUE(Contains(dd.err, "Bad address")) << dd.err;
    RunResult echo = echo_into(d, "five");
    EXPECT_NE(echo.status, 0);
    EXPECT_TRUE(Contains(echo.err, "Bad address")) << echo.err;
    log = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(log, "name fail_usercopy, interval 1, probability 100, space 0, "
                              "times -1"))
        << log;

    // Off again: the content is intact, and the module unloads with nothing leaked.
    ASSERT_EQ(d.lkmctl({"fault", "kbuf", "fail_usercopy", "off"}).status, 0);
    EXPECT_EQ(d.lkmctl({"fault", "kbuf"}).out, "");
    EXPECT_EQ(run({"cat", d.path("kbuf")}).out, "three\n");
    EXPECT_EQ(d.lkmctl({"rmmod", "kbuf"}).status, 0);
    log = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(LacksText(log, "leaked")) << log;
    EXPECT_TRUE(LacksText(log, "unreferenced object")) << log;
    EXPECT_EQ(d.stop(), 0) << d.output();
}

TEST(FaultInjection, ConfigFailsTheInitOfAModuleLoadedLater) {
    // Set by name before kbuf loads: its init's only kmalloc fails once (times: 1).
    Daemon d({.config = "modules:\n  load: []\n"
                        "debug:\n"
                        "  fault_injection:\n"
                        "    kbuf:\n"
                        "      failslab: { times: 1, verbose: 1 }\n"});
    ASSERT_TRUE(d.started()) << d.output();
    EXPECT_EQ(d.lkmctl({"fault", "kbuf"}).out,
              "failslab: probability=100 interval=1 times=1 space=0 verbose=1\n");
    RunResult ins = d.lkmctl({"insmod", BuildTree::sample_module("kbuf")});
    EXPECT_NE(ins.status, 0);
    EXPECT_TRUE(Contains(ins.err, "Cannot allocate memory")) << ins.err;
    EXPECT_TRUE(LacksText(d.lkmctl({"lsmod"}).out, "kbuf")) << "nothing left loaded";
    std::string log = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(log, "name failslab, interval 1, probability 100, space 0, times 1"))
        << log;
    // The one failure is used up: the next load works.
    EXPECT_EQ(d.lkmctl({"fault", "kbuf"}).out,
              "failslab: probability=100 interval=1 times=0 space=0 verbose=1\n");
    RunResult again = d.lkmctl({"insmod", BuildTree::sample_module("kbuf")});
    EXPECT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(d.lkmctl({"rmmod", "kbuf"}).status, 0);
    EXPECT_EQ(d.stop(), 0) << d.output();
}

TEST(FaultInjection, LkmctlFaultRejectsBadArguments) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult kind = d.lkmctl({"fault", "kbuf", "fail_page_alloc"});
    EXPECT_EQ(kind.status, 1);
    EXPECT_TRUE(Contains(kind.err, "unknown fault injection 'fail_page_alloc'")) << kind.err;
    RunResult attr = d.lkmctl({"fault", "kbuf", "failslab", "often=3"});
    EXPECT_EQ(attr.status, 1);
    EXPECT_TRUE(Contains(attr.err, "unknown attribute 'often=3'")) << attr.err;
    RunResult range = d.lkmctl({"fault", "kbuf", "failslab", "probability=101"});
    EXPECT_EQ(range.status, 1);
    EXPECT_TRUE(Contains(range.err, "probability")) << range.err;
    EXPECT_EQ(d.lkmctl({"fault", "kbuf"}).out, "") << "nothing was set";
    EXPECT_EQ(d.stop(), 0) << d.output();
}

} // namespace
} // namespace lkmfs::testing
