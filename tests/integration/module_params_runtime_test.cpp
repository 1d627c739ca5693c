// Module parameters at run time, through `lkmctl param` against a real daemon: listing
// (mode 0 hidden, non-world-readable ones for root and the owner only), reading, and
// setting (write bits, the setter's errno, the old value kept), with the module's own
// handler showing that new values reach its variables at once. The module is
// tests/modules/kparam_rt; reading MNT/kparam_rt prints what its variables hold.
#include "file_io.h"
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace lkmfs::testing {
namespace {

constexpr const char *kDefaults =
    "count=7 label=initial secret=42 list=1,2,3 flag=N note=none tuned=5\n";

class ModuleParamsRuntime : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(d.started()) << d.output();
        RunResult r = d.lkmctl({"insmod", BuildTree::test_module("kparam_rt")});
        ASSERT_EQ(r.status, 0) << r.err;
    }

    // What the module's read handler reports now.
    std::string module_view() const {
        IoResult r = read_at(d.path("kparam_rt"), 4096);
        EXPECT_TRUE(r.opened) << r.err;
        EXPECT_FALSE(r.timed_out);
        return r.data;
    }
    RunResult param(const std::vector<std::string> &args) const {
        std::vector<std::string> full{"param"};
        full.insert(full.end(), args.begin(), args.end());
        return d.lkmctl(full);
    }
    // `lkmctl param kparam_rt NAME VALUE` failed with exactly `error` on stderr.
    void expect_set_fails(const std::string &name, const std::string &value,
                          const std::string &error) const {
        RunResult r = param({"kparam_rt", name, value});
        EXPECT_EQ(r.status, 1) << name << "=" << value;
        EXPECT_EQ(r.out, "");
        EXPECT_EQ(r.err, "param: ERROR: " + error + "\n");
    }

    Daemon d;
};

TEST_F(ModuleParamsRuntime, ListsEveryVisibleParameterByName) {
    RunResult r = param({"kparam_rt"});
    EXPECT_EQ(r.status, 0) << r.err;
    // secret has mode 0: not listed, as it has no file in sysfs.
    EXPECT_EQ(r.out, "count=7\nflag=N\nlabel=initial\nlist=1,2,3\nnote=none\ntuned=5\n");
    EXPECT_EQ(r.err, "");

    RunResult l = param({"-l", "kparam_rt"});
    EXPECT_EQ(l.status, 0) << l.err;
    EXPECT_EQ(l.out, "0644 int count=7\n"
                     "0600 bool flag=N\n"
                     "0444 charp label=initial\n"
                     "0644 array of int list=1,2,3\n"
                     "0644 charp note=none\n"
                     "0644 - tuned=5\n");
    EXPECT_EQ(module_view(), kDefaults);
}

TEST_F(ModuleParamsRuntime, ReadsOneParameter) {
    RunResult r = param({"kparam_rt", "count"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "7\n");
    EXPECT_EQ(param({"kparam_rt", "list"}).out, "1,2,3\n");
    EXPECT_EQ(param({"kparam_rt", "label"}).out, "initial\n");
    EXPECT_EQ(param({"kparam-rt", "flag"}).out, "N\n") << "module names as kmod normalises them";

    RunResult hidden = param({"kparam_rt", "secret"});
    EXPECT_EQ(hidden.status, 1);
    EXPECT_EQ(hidden.out, "");
    EXPECT_EQ(hidden.err, "param: ERROR: Module kparam_rt has no parameter 'secret'\n");

    RunResult unknown = param({"kparam_rt", "nosuch"});
    EXPECT_EQ(unknown.status, 1);
    EXPECT_EQ(unknown.err, "param: ERROR: Module kparam_rt has no parameter 'nosuch'\n");
}

TEST_F(ModuleParamsRuntime, SetValuesReachTheModuleAtOnce) {
    RunResult r = param({"kparam_rt", "count", "12"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(module_view(),
              "count=12 label=initial secret=42 list=1,2,3 flag=N note=none tuned=5\n");
    EXPECT_EQ(param({"kparam_rt", "count"}).out, "12\n");

    EXPECT_EQ(param({"kparam_rt", "count", "0x10"}).status, 0); // kstrtoint, base 0
    EXPECT_EQ(param({"kparam_rt", "list", "4,5"}).status, 0);
    EXPECT_EQ(param({"kparam_rt", "flag", "y"}).status, 0);
    EXPECT_EQ(param({"kparam_rt", "note", "hello world"}).status, 0);
    EXPECT_EQ(param({"kparam_rt", "note", "again"}).status, 0); // the first copy is freed
    EXPECT_EQ(param({"kparam_rt", "tuned", "9"}).status, 0);
    EXPECT_EQ(module_view(),
              "count=16 label=initial secret=42 list=4,5 flag=Y note=again tuned=9\n");
    EXPECT_EQ(param({"kparam_rt"}).out,
              "count=16\nflag=Y\nlabel=initial\nlist=4,5\nnote=again\ntuned=9\n");

    // The module goes cleanly with its kmalloc'd value (freed at unload).
    RunResult rm = d.lkmctl({"rmmod", "kparam_rt"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    EXPECT_EQ(d.lkmctl({"dmesg"}).out.find("BUG"), std::string::npos);
}

TEST_F(ModuleParamsRuntime, InvalidValuesKeepTheOldOneAndReportTheSettersErrno) {
    expect_set_fails("count", "abc",
                     "invalid value 'abc' for parameter 'count' of module kparam_rt: Invalid "
                     "argument");
    expect_set_fails("count", "99999999999",
                     "invalid value '99999999999' for parameter 'count' of module kparam_rt: "
                     "Numerical result out of range");
    // The module's own setter refuses negative values with -ERANGE.
    expect_set_fails("tuned", "-3",
                     "invalid value '-3' for parameter 'tuned' of module kparam_rt: Numerical "
                     "result out of range");
    expect_set_fails("flag", "maybe",
                     "invalid value 'maybe' for parameter 'flag' of module kparam_rt: Invalid "
                     "argument");
    // A bad element after good ones, and too many elements: the array is left as it was.
    expect_set_fails("list", "8,x",
                     "invalid value '8,x' for parameter 'list' of module kparam_rt: Invalid "
                     "argument");
    expect_set_fails("list", "1,2,3,4,5",
                     "invalid value '1,2,3,4,5' for parameter 'list' of module kparam_rt: "
                     "Invalid argument");
    EXPECT_EQ(module_view(), kDefaults);
}

TEST_F(ModuleParamsRuntime, OnlyParametersWithAWriteBitCanBeSet) {
    expect_set_fails("label", "changed",
                     "parameter 'label' of module kparam_rt is not writable (mode 0444)");
    expect_set_fails("secret", "1", "Module kparam_rt has no parameter 'secret'");
    expect_set_fails("nosuch", "1", "Module kparam_rt has no parameter 'nosuch'");
    EXPECT_EQ(module_view(), kDefaults);
}

TEST_F(ModuleParamsRuntime, UnknownOrRemovedModules) {
    for (const std::vector<std::string> &args :
         std::vector<std::vector<std::string>>{{"kl_nothing"}, {"kl_nothing", "count"}}) {
        RunResult r = param(args);
        EXPECT_EQ(r.status, 1);
        EXPECT_EQ(r.err, "param: ERROR: Module kl_nothing is not currently loaded\n");
    }
    ASSERT_EQ(d.lkmctl({"rmmod", "kparam_rt"}).status, 0);
    expect_set_fails("count", "1", "Module kparam_rt is not currently loaded");
    RunResult gone = param({"kparam_rt"});
    EXPECT_EQ(gone.status, 1);
    EXPECT_EQ(gone.err, "param: ERROR: Module kparam_rt is not currently loaded\n");
}

TEST_F(ModuleParamsRuntime, UsageErrors) {
    RunResult none = param({});
    EXPECT_EQ(none.status, 1);
    EXPECT_EQ(none.err, "param: ERROR: missing module name.\n");
    RunResult many = param({"kparam_rt", "count", "1", "2"});
    EXPECT_EQ(many.status, 1);
    EXPECT_EQ(many.err, "param: ERROR: too many arguments (MODULE [NAME [VALUE]]).\n");
    EXPECT_EQ(module_view(), kDefaults);
}

// Sets racing the module's removal: each either happens while the module is live or finds
// it gone; the removal waits for the one in progress, and frees the last value.
TEST_F(ModuleParamsRuntime, SettingWhileTheModuleGoesIsSafe) {
    RunResult r = sh("for i in $(seq 1 60); do \"$LKMCTL\" param kparam_rt note v$i 2>/dev/null; "
                     "done & sleep 0.2; \"$LKMCTL\" rmmod kparam_rt; status=$?; wait; exit $status",
                     {.env = {{"LKMCTL", BuildTree::bin("lkmctl")}, {"LKMFS_SOCKET", d.socket()}},
                      .timeout = std::chrono::milliseconds(60000)});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(param({"kparam_rt"}).err, "param: ERROR: Module kparam_rt is not currently loaded\n");
    // Loaded again, it starts from its defaults and serves as before.
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kparam_rt")}).status, 0);
    EXPECT_EQ(param({"kparam_rt", "note", "back"}).status, 0);
    EXPECT_EQ(module_view(),
              "count=7 label=initial secret=42 list=1,2,3 flag=N note=back tuned=5\n");
}

// Another user (nobody) may read what is world-readable, and set nothing.
TEST_F(ModuleParamsRuntime, OtherUsersReadWorldReadableParametersOnly) {
    if (geteuid() != 0)
        GTEST_SKIP() << "needs root to act as another user";
    ASSERT_EQ(chmod(d.dir().path().c_str(), 0755), 0); // let nobody reach the socket
    auto as_nobody = [&](const std::vector<std::string> &args) {
        std::vector<std::string> argv{
            "setpriv", "--reuid=65534",          "--regid=65534", "--clear-groups",
            "--",      BuildTree::bin("lkmctl"), "param"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv, {.env = {{"LKMFS_SOCKET", d.socket()}}});
    };
    RunResult list = as_nobody({"kparam_rt"});
    EXPECT_EQ(list.status, 0) << list.err;
    EXPECT_EQ(list.out, "count=7\nlabel=initial\nlist=1,2,3\nnote=none\ntuned=5\n");

    RunResult flag = as_nobody({"kparam_rt", "flag"});
    EXPECT_EQ(flag.status, 1);
    EXPECT_EQ(flag.err,
              "param: ERROR: could not read parameter 'flag' of module kparam_rt: Permission "
              "denied\n");

    RunResult set = as_nobody({"kparam_rt", "count", "1"});
    EXPECT_EQ(set.status, 1);
    EXPECT_EQ(set.err, "param: ERROR: could not set parameter 'count' of module kparam_rt: "
                       "Operation not permitted (only root and the daemon's owner may)\n");
    EXPECT_EQ(module_view(), kDefaults);
    EXPECT_EQ(param({"kparam_rt", "flag"}).out, "N\n"); // root reads it
}

} // namespace
} // namespace lkmfs::testing
