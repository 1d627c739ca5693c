// The daemon's life on a real mount: serving the sample modules, and a clean stop.
#include "lkmfs_daemon.h"

#include <gtest/gtest.h>

namespace lkmfs::testing {
namespace {

const char *kSamples = "modules:\n  load: [hello, hello2, kbuf]\n";

TEST(MountBasics, ServesTheSampleModulesThroughCatAndEcho) {
    Daemon d({.config = kSamples});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult modules = run({"cat", d.path("modules")});
    EXPECT_EQ(modules.status, 0);
    EXPECT_NE(modules.out.find("hello2 "), std::string::npos) << modules.out;
    RunResult echo = sh("echo hi > " + d.path("kbuf") + " && cat " + d.path("kbuf"));
    EXPECT_EQ(echo.status, 0) << echo.err;
    EXPECT_EQ(echo.out, "hi\n");
}

TEST(MountBasics, FailedInitLeavesNothingBehind) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = d.lkmctl({"insmod", BuildTree::test_module("kfail")});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("No such device"), std::string::npos) << r.err;
    EXPECT_EQ(run({"stat", d.path("kfail_leftover")}).status, 1);
    EXPECT_EQ(d.lkmctl({"lsmod"}).out.find("kfail"), std::string::npos);
}

TEST(MountBasics, SigtermRunsExitFunctionsThenUnmounts) {
    // console_level 8: every record also goes to the daemon's stderr, which outlives it.
    Daemon d({.config = std::string(kSamples) + "log:\n  console_level: 8\n"});
    ASSERT_TRUE(d.started()) << d.output();
    EXPECT_EQ(d.stop(SIGTERM), 0);
    EXPECT_FALSE(is_mounted(d.mnt()));
    EXPECT_NE(d.output().find("I am no longer in the Linux kernel"), std::string::npos);
}

} // namespace
} // namespace lkmfs::testing
