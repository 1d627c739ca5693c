// WARN from a loaded module through the mount: the report in kmsg names the module's own
// (hidden, static) functions as func+0x../0x.. [module], and sys/kernel/tainted gains W.
// The module is written with the item-2 helpers in C (gnu11, -Wall) to check they build.
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <string>

namespace lkmfs::testing {
namespace {

const char *kWarnModule = R"C(
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <asm/barrier.h>

struct pair { int a; char name[12]; };
static int shown;

static noinline int kwarn_check(int v)
{
	return WARN_ON_ONCE(v > 0);
}

static int kwarn_show(struct seq_file *m, void *v)
{
	int x = 3, y = -9;
	swap(x, y);
	BUILD_BUG_ON(sizeof_field(struct pair, name) != 12);
	smp_mb();
	WRITE_ONCE(shown, READ_ONCE(shown) + 1);
	seq_printf(m, "%d %d %d %lu %lu %d %d\n", x, abs(y), DIV_ROUND_CLOSEST(7, 2),
		   BIT(4), GENMASK(3, 0), min3(4, 2, 8), clamp_t(int, 99, 0, 9));
	kwarn_check(shown);
	return 0;
}

static int __init kwarn_init(void)
{
	return proc_create_single("kwarn", 0444, NULL, kwarn_show) ? 0 : -ENOMEM;
}

static void __exit kwarn_exit(void)
{
	remove_proc_entry("kwarn", NULL);
}

module_init(kwarn_init);
module_exit(kwarn_exit);
MODULE_LICENSE("GPL");
)C";

TEST(HelpersWarn, ModuleWarnIsReportedWithItsFunctionsAndTaintsW) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    std::string log;
    // $(CURDIR), not the seed's $(PWD): build_module's make inherits the test's PWD.
    const std::string makefile =
        "obj-m := kwarn.o\nall:\n\t$(MAKE) -C $(KDIR) M=$(CURDIR) modules\n";
    std::string ko =
        build_module(d.dir(), "kwarn", {{"kwarn.c", kWarnModule}, {"Makefile", makefile}}, &log);
    ASSERT_FALSE(ko.empty()) << log;
    EXPECT_TRUE(LacksText(log, "warning:")) << log;
    ASSERT_EQ(d.lkmctl({"insmod", ko}).status, 0);
    EXPECT_EQ(run({"cat", d.path("sys/kernel/tainted")}).out.find("512"), std::string::npos);

    RunResult cat = run({"cat", d.path("kwarn")});
    EXPECT_EQ(cat.out, "-9 3 4 16 15 2 9\n");
    run({"cat", d.path("kwarn")}); // WARN_ON_ONCE: no second report

    std::string dmesg = d.lkmctl({"dmesg"}).out;
    EXPECT_EQ(count_of(dmesg, "------------[ cut here ]------------"), 1U) << dmesg;
    // (GCC may fold kwarn_check into its caller: the site is named by what holds it.)
    EXPECT_TRUE(Contains(dmesg, "src-kwarn/kwarn.c:14 kwarn_"));
    EXPECT_TRUE(Contains(dmesg, "RIP: 0010:kwarn_"));
    EXPECT_TRUE(Contains(dmesg, "/0x"));
    EXPECT_TRUE(Contains(dmesg, " [kwarn]\n"));
    EXPECT_TRUE(Contains(dmesg, "Call Trace:\n"));
    EXPECT_TRUE(Contains(dmesg, " seq_read+0x"));
    EXPECT_TRUE(Contains(dmesg, "Modules linked in: kwarn("));
    EXPECT_TRUE(Contains(dmesg, "---[ end trace 0000000000000000 ]---"));

    unsigned long mask = std::stoul(run({"cat", d.path("sys/kernel/tainted")}).out);
    EXPECT_TRUE(mask & (1UL << 9)) << mask;
    EXPECT_EQ(d.lkmctl({"rmmod", "kwarn"}).status, 0);
}

} // namespace
} // namespace lkmfs::testing
