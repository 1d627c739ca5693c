// The exporting pair of samples through a real mount: gcdcalc calls the functions mathlib
// exports (one of them GPL-only); it cannot load before mathlib, holds it while loaded,
// and computes through it.
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <string>

namespace lkmfs::testing {
namespace {

TEST(ExportSamples, GcdcalcUsesMathlibsExportsAndHoldsIt) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    const std::string mathlib = BuildTree::sample_module("mathlib");
    const std::string gcdcalc = BuildTree::sample_module("gcdcalc");

    RunResult early = d.lkmctl({"insmod", gcdcalc});
    EXPECT_NE(early.status, 0);
    EXPECT_TRUE(Contains(early.err, "Unknown symbol in module")) << early.err;
    EXPECT_TRUE(Contains(d.lkmctl({"dmesg"}).out, "gcdcalc: Unknown symbol mathlib_gcd (err -2)"));

    ASSERT_EQ(d.lkmctl({"insmod", mathlib}).status, 0);
    RunResult user = d.lkmctl({"insmod", gcdcalc});
    ASSERT_EQ(user.status, 0) << user.err;
    EXPECT_TRUE(Contains(d.lkmctl({"dmesg"}).out, "gcdcalc: gcd(12, 18) = 6, by mathlib"));

    ASSERT_EQ(sh("echo '84 36' > " + d.path("gcd")).status, 0);
    RunResult cat = run({"cat", d.path("gcd")});
    EXPECT_EQ(cat.out, "gcd(84, 36) = 12\nmathlib calls: 2\n");
    RunResult bad = sh("echo 'twelve' > " + d.path("gcd"));
    EXPECT_NE(bad.status, 0);

    std::string lsmod = d.lkmctl({"lsmod"}).out;
    EXPECT_TRUE(Contains(lsmod, "mathlib")) << lsmod;
    std::string modules = run({"cat", d.path("modules")}).out;
    EXPECT_TRUE(Contains(modules, "mathlib 16384 1 gcdcalc, Live")) << modules;

    RunResult busy = d.lkmctl({"rmmod", "mathlib"});
    EXPECT_EQ(busy.err, "rmmod: ERROR: Module mathlib is in use by: gcdcalc\n");
    EXPECT_EQ(d.lkmctl({"rmmod", "gcdcalc"}).status, 0);
    EXPECT_EQ(d.lkmctl({"rmmod", "mathlib"}).status, 0);
    EXPECT_TRUE(Contains(d.lkmctl({"dmesg"}).out, "mathlib: 2 call(s) served"));
}

} // namespace
} // namespace lkmfs::testing
