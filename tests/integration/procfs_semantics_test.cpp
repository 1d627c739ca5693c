// The procfs imitation seen through the mount with real cat, stat, ls, dd and python3:
// Linux 6.1's default modes and sizes, the listing order, entries appearing and vanishing
// at once, creation errors, every read reaching the handler with the real position, what
// a handler sees of struct file and `current`, missing handlers, restricted ioctls, and the
// rundown of files left open when their module goes away.
#include "lkmfs_daemon.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>

namespace lkmfs::testing {
namespace {

int occurrences(const std::string &text, const std::string &needle) {
    int n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

std::string dmesg(const Daemon &d) {
    return d.lkmctl({"dmesg"}).out;
}

// `stat -c FORMAT PATH`, without the trailing newline ("" if stat failed).
std::string stat_of(const std::string &path, const std::string &format = "%F|%A|%s|%h|%u|%g") {
    RunResult r = run({"stat", "-c", format, path});
    if (r.status != 0)
        return "";
    return r.out.substr(0, r.out.find('\n'));
}

// Writes one command line to kp_tree's control entry, as `echo CMD > kp_tree_ctl` does.
RunResult ctl(const Daemon &d, const std::string &command) {
    return sh("echo \"$CMD\" > \"$CTL\"",
              {.env = {{"CMD", command}, {"CTL", d.path("kp_tree_ctl")}}});
}

// The "key=value" fields of a kp_pos report line.
std::map<std::string, std::string> fields_of(const std::string &line) {
    std::map<std::string, std::string> out;
    std::istringstream in(line);
    std::string item;
    while (in >> item) {
        auto eq = item.find('=');
        if (eq != std::string::npos)
            out[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return out;
}

// ---- the tree: kp_tree builds it at load and changes it on command ----------------------

class ProcTree : public ::testing::Test {
  protected:
    Daemon d{{.config = test_modules_config("kp_tree")}};
    void SetUp() override { ASSERT_TRUE(d.started()) << d.output(); }
};

TEST_F(ProcTree, EntriesHaveLinuxDefaultModesSizesOwnersAndLinkCounts) {
    // proc_create mode 0: a regular file, 0444, size 0; one link; owned by the daemon's user.
    EXPECT_EQ(stat_of(d.path("kp_file")), "regular empty file|-r--r--r--|0|1|0|0");
    // proc_set_size and an explicit mode.
    EXPECT_EQ(stat_of(d.path("kp_sized")), "regular file|-rw-------|4096|1|0|0");
    // proc_set_user.
    EXPECT_EQ(stat_of(d.path("kp_owned")), "regular empty file|-r--r--r--|0|1|1234|5678");
    // proc_mkdir: 0555; nlink 2 + subdirectories (kp_dir holds sub/).
    EXPECT_EQ(stat_of(d.path("kp_dir")), "directory|dr-xr-xr-x|0|3|0|0");
    EXPECT_EQ(stat_of(d.path("kp_dir/sub")), "directory|dr-xr-xr-x|0|2|0|0");
    // proc_mkdir_mode.
    EXPECT_EQ(stat_of(d.path("kp_private")), "directory|drwx------|0|2|0|0");
    // proc_symlink: 0777, size strlen("kp_dir/data").
    EXPECT_EQ(stat_of(d.path("kp_link")), "symbolic link|lrwxrwxrwx|11|1|0|0");
    // The root: 0555, nlink 2 + its three subdirectories (the module's two, and the core's
    // sys/ of sys/kernel/tainted).
    EXPECT_EQ(stat_of(d.mnt()), "directory|dr-xr-xr-x|0|5|0|0");
}

TEST_F(ProcTree, ModesAreEnforcedForOtherUsers) {
    auto as_nobody = [](const std::vector<std::string> &argv) {
        std::vector<std::string> full = {"setpriv", "--reuid=65534", "--regid=65534",
                                         "--clear-groups", "--"};
        full.insert(full.end(), argv.begin(), argv.end());
        return run(full);
    };
    RunResult dir = as_nobody({"ls", d.path("kp_private")}); // 0700
    EXPECT_EQ(dir.status, 2);
    EXPECT_NE(dir.err.find("Permission denied"), std::string::npos) << dir.err;
    RunResult file = as_nobody({"cat", d.path("kp_sized")}); // 0600
    EXPECT_EQ(file.status, 1);
    EXPECT_NE(file.err.find("Permission denied"), std::string::npos) << file.err;
    RunResult write = as_nobody({"dd", "of=" + d.path("kp_tree_ctl"), "status=none"}); // 0200
    EXPECT_NE(write.err.find("Permission denied"), std::string::npos) << write.err;
    RunResult readable = as_nobody({"cat", d.path("kp_dir/data")}); // 0644
    EXPECT_EQ(readable.status, 0) << readable.err;
}

TEST_F(ProcTree, SymlinkReadsItsTargetAndLeadsToTheEntry) {
    RunResult link = run({"readlink", d.path("kp_link")});
    EXPECT_EQ(link.status, 0) << link.err;
    EXPECT_EQ(link.out, "kp_dir/data\n");
    RunResult cat = run({"cat", d.path("kp_link")});
    EXPECT_EQ(cat.status, 0) << cat.err;
    EXPECT_EQ(cat.out, "pde_data=tag-from-pde-data\n");
}

TEST_F(ProcTree, PdeDataIsTheDataGivenAtCreation) {
    EXPECT_EQ(run({"cat", d.path("kp_dir/data")}).out, "pde_data=tag-from-pde-data\n");
    EXPECT_EQ(run({"cat", d.path("kp_file")}).out, "pde_data=(null)\n");
    ASSERT_EQ(ctl(d, "create kp_rt_data").status, 0);
    EXPECT_EQ(run({"cat", d.path("kp_rt_data")}).out, "pde_data=kp_rt_data\n");
}

TEST_F(ProcTree, DirectoriesListByNameLengthThenBytesAsLinux) {
    // `ls -f` keeps the order readdir gives (and shows . and ..).
    RunResult dir = run({"ls", "-f", d.path("kp_dir")});
    EXPECT_EQ(dir.status, 0) << dir.err;
    EXPECT_EQ(dir.out, ".\n..\nB\na\nz\nab\nbb\nccc\nsub\ndata\n");
    // The root holds the core's entries too (whatever they will be): check the order only.
    RunResult root = run({"ls", "-f", d.mnt()});
    std::vector<std::string> names;
    std::istringstream lines(root.out);
    for (std::string name; std::getline(lines, name);)
        names.push_back(name);
    ASSERT_GE(names.size(), 12u) << root.out;
    EXPECT_EQ(names[0], ".");
    EXPECT_EQ(names[1], "..");
    auto linux_order = [](const std::string &a, const std::string &b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    };
    EXPECT_TRUE(std::is_sorted(names.begin() + 2, names.end(), linux_order)) << root.out;
    for (const char *name : {"kmsg", "modules", "kp_dir", "kp_tree_ctl"})
        EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
}

TEST_F(ProcTree, EveryReadReachesTheHandler) {
    // kp_counter answers each call with the number of calls so far (at offset 0). cat reads
    // twice (the data, then end of file), so a second cat sees 3: nothing came from a cache.
    // Then two preads on one descriptor: 5 and 6.
    EXPECT_EQ(run({"cat", d.path("kp_counter")}).out, "1\n");
    EXPECT_EQ(run({"cat", d.path("kp_counter")}).out, "3\n");
    RunResult py = python(R"PY(
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(os.pread(fd, 100, 0).decode(), os.pread(fd, 100, 0).decode(), end="")
)PY",
                          {d.path("kp_counter")});
    EXPECT_EQ(py.status, 0) << py.err;
    EXPECT_EQ(py.out, "5\n 6\n");
}

TEST_F(ProcTree, EntriesCreatedAndRemovedAtRunTimeAppearAndVanishAtOnce) {
    // Looked up (and missed) first: a cached negative lookup would hide the new entry.
    EXPECT_EQ(run({"stat", d.path("kp_rt")}).status, 1);
    ASSERT_EQ(ctl(d, "create kp_rt").status, 0);
    EXPECT_EQ(stat_of(d.path("kp_rt")), "regular empty file|-r--r--r--|0|1|0|0");
    EXPECT_NE(run({"ls", d.mnt()}).out.find("kp_rt\n"), std::string::npos);
    EXPECT_EQ(run({"cat", d.path("kp_rt")}).out, "pde_data=kp_rt\n");

    ASSERT_EQ(ctl(d, "remove kp_rt").status, 0);
    RunResult gone = run({"stat", d.path("kp_rt")});
    EXPECT_EQ(gone.status, 1);
    EXPECT_NE(gone.err.find("No such file or directory"), std::string::npos) << gone.err;
    EXPECT_EQ(run({"ls", d.mnt()}).out.find("kp_rt\n"), std::string::npos);
    EXPECT_EQ(run({"cat", d.path("kp_rt")}).status, 1);

    // An explicit mode, and a later proc_set_size.
    ASSERT_EQ(ctl(d, "create kp_rw 0600").status, 0);
    EXPECT_EQ(stat_of(d.path("kp_rw")), "regular empty file|-rw-------|0|1|0|0");
    ASSERT_EQ(ctl(d, "size kp_rw 123").status, 0);
    EXPECT_EQ(stat_of(d.path("kp_rw"), "%s"), "123");
    // proc_remove() with the pointer proc_create returned.
    ASSERT_EQ(ctl(d, "premove kp_rw").status, 0);
    EXPECT_EQ(stat_of(d.path("kp_rw")), "");
}

TEST_F(ProcTree, DirectoriesCreatedAtRunTimeAndRemovedWithTheirSubtree) {
    ASSERT_EQ(ctl(d, "mkdir kp_rtdir").status, 0);
    ASSERT_EQ(ctl(d, "create kp_rtdir/x").status, 0);
    ASSERT_EQ(ctl(d, "mkdir kp_rtdir/deeper").status, 0);
    ASSERT_EQ(ctl(d, "symlink kp_rtdir/up ../kp_file").status, 0);
    EXPECT_EQ(run({"ls", "-f", d.path("kp_rtdir")}).out, ".\n..\nx\nup\ndeeper\n");
    EXPECT_EQ(stat_of(d.path("kp_rtdir")), "directory|dr-xr-xr-x|0|3|0|0");
    EXPECT_EQ(stat_of(d.mnt(), "%h"), "6"); // with kp_dir, kp_private and the core's sys/
    EXPECT_EQ(run({"cat", d.path("kp_rtdir/up")}).out, "pde_data=(null)\n");

    ASSERT_EQ(ctl(d, "subtree kp_rtdir").status, 0);
    EXPECT_EQ(stat_of(d.path("kp_rtdir")), "");
    EXPECT_EQ(stat_of(d.path("kp_rtdir/x")), "");
    EXPECT_EQ(stat_of(d.mnt(), "%h"), "5");
    // A second removal finds nothing: remove_proc_subtree returns -ENOENT.
    ASSERT_EQ(ctl(d, "subtree kp_rtdir").status, 0);
    std::string log = dmesg(d);
    EXPECT_NE(log.find("kp_tree: subtree kp_rtdir -> 0\n"), std::string::npos) << log;
    EXPECT_NE(log.find("kp_tree: subtree kp_rtdir -> -2\n"), std::string::npos) << log;
}

TEST_F(ProcTree, DuplicateNamesAreRejectedWithAWarning) {
    ASSERT_EQ(ctl(d, "create kp_file 0666").status, 0);
    ASSERT_EQ(ctl(d, "create kp_dir/data").status, 0);
    ASSERT_EQ(ctl(d, "mkdir kp_dir").status, 0);
    std::string log = dmesg(d);
    EXPECT_NE(log.find("kp_tree: create kp_file -> NULL"), std::string::npos) << log;
    EXPECT_NE(log.find("kp_tree: create kp_dir/data -> NULL"), std::string::npos) << log;
    EXPECT_NE(log.find("kp_tree: mkdir kp_dir -> NULL"), std::string::npos) << log;
    EXPECT_EQ(occurrences(log, "already registered"), 3) << log;
    EXPECT_NE(log.find("kp_dir/data' already registered"), std::string::npos) << log;
    // The first entry is untouched.
    EXPECT_EQ(stat_of(d.path("kp_file")), "regular empty file|-r--r--r--|0|1|0|0");
    EXPECT_EQ(run({"cat", d.path("kp_dir/data")}).out, "pde_data=tag-from-pde-data\n");
}

TEST_F(ProcTree, RemovingAMissingNameWarns) {
    ASSERT_EQ(ctl(d, "remove kp_nothere").status, 0);
    std::string log = dmesg(d);
    EXPECT_NE(log.find("remove_proc_entry"), std::string::npos) << log;
    EXPECT_NE(log.find("name 'kp_nothere'"), std::string::npos) << log;
    // Nothing else went away.
    EXPECT_EQ(stat_of(d.path("kp_file"), "%A"), "-r--r--r--");
}

TEST_F(ProcTree, InvalidNamesAndModesAreRefusedAtCreation) {
    for (const char *command :
         {"dircreate kp_d", "create ..", "create 42", "create kp_file/x", "create kp_nodir/x"})
        ASSERT_EQ(ctl(d, command).status, 0) << command;
    std::string log = dmesg(d);
    for (const char *result : {"create kp_d -> NULL", "create .. -> NULL", "create 42 -> NULL",
                               "create kp_file/x -> NULL", "create kp_nodir/x -> NULL"})
        EXPECT_NE(log.find(result), std::string::npos) << result << "\n" << log;
    // Each refusal is a kernel WARNING, as __proc_create's WARN()s are.
    EXPECT_GE(occurrences(log, "WARNING"), 5) << log;
    EXPECT_EQ(stat_of(d.path("kp_d")), "");
    EXPECT_EQ(stat_of(d.path("42")), "");
}

// ---- struct file, struct inode and `current` --------------------------------------------

class FileView : public ::testing::Test {
  protected:
    Daemon d{{.config = test_modules_config("kp_pos, kp_noops, kp_ioctl")}};
    void SetUp() override { ASSERT_TRUE(d.started()) << d.output(); }
};

TEST_F(FileView, CurrentIsTheProcessThatReads) {
    // The shell prints its pid, then becomes cat: the reader's pid, with comm "cat".
    RunResult r = sh("echo $$; exec cat \"$F\"", {.env = {{"F", d.path("kp_pos")}}});
    ASSERT_EQ(r.status, 0) << r.err;
    std::string pid = r.out.substr(0, r.out.find('\n'));
    auto f = fields_of(r.out.substr(r.out.find('\n') + 1));
    EXPECT_EQ(f["pid"], pid) << r.out;
    EXPECT_EQ(f["tgid"], pid) << r.out;
    EXPECT_EQ(f["comm"], "cat");
    EXPECT_EQ(f["uid"], "0");
    EXPECT_EQ(f["pos"], "0");
    EXPECT_EQ(f["rw"], "1"); // FMODE_READ only

    // Another user: the credentials are the caller's.
    RunResult nobody = sh("echo $$; exec setpriv --reuid=65534 --regid=65534 --clear-groups "
                          "cat \"$F\"",
                          {.env = {{"F", d.path("kp_pos")}}});
    ASSERT_EQ(nobody.status, 0) << nobody.err;
    auto g = fields_of(nobody.out.substr(nobody.out.find('\n') + 1));
    EXPECT_EQ(g["pid"], nobody.out.substr(0, nobody.out.find('\n')));
    EXPECT_EQ(g["uid"], "65534");
    EXPECT_EQ(g["euid"], "65534");
    EXPECT_EQ(g["gid"], "65534");
    EXPECT_EQ(g["comm"], "cat");
}

TEST_F(FileView, CurrentDuringInitAndExitIsTheLkmctlProcess) {
    std::map<std::string, std::string> env = {{"LKMFS_SOCKET", d.socket()},
                                              {"LKMCTL", BuildTree::bin("lkmctl")},
                                              {"KO", BuildTree::test_module("kp_tree")}};
    RunResult ins = sh("echo $$; exec \"$LKMCTL\" insmod \"$KO\"", {.env = env});
    ASSERT_EQ(ins.status, 0) << ins.err;
    // kp_tree does not log `current`; kp_pos does: unload and load it instead.
    env["KO"] = BuildTree::test_module("kp_pos");
    RunResult rm = sh("echo $$; exec \"$LKMCTL\" rmmod kp_pos", {.env = env});
    ASSERT_EQ(rm.status, 0) << rm.err;
    RunResult again = sh("echo $$; exec \"$LKMCTL\" insmod \"$KO\"", {.env = env});
    ASSERT_EQ(again.status, 0) << again.err;
    std::string log = dmesg(d);
    std::string exit_pid = rm.out.substr(0, rm.out.find('\n'));
    std::string init_pid = again.out.substr(0, again.out.find('\n'));
    EXPECT_NE(log.find("kp_pos: exit pid=" + exit_pid + " comm=lkmctl uid=0\n"), std::string::npos)
        << log;
    EXPECT_NE(log.find("kp_pos: init pid=" + init_pid + " comm=lkmctl uid=0\n"), std::string::npos)
        << log;
}

TEST_F(FileView, InodeMatchesWhatStatShows) {
    RunResult r = run({"cat", d.path("kp_pos")});
    auto f = fields_of(r.out);
    EXPECT_EQ(f["ino"], stat_of(d.path("kp_pos"), "%i"));
    EXPECT_EQ(f["imode"], "100666");
}

TEST_F(FileView, PreadAtAnOffsetPassesThatOffsetInFPos) {
    RunResult py = python(R"PY(
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(os.pread(fd, 4096, 12345).decode(), end="")
fd2 = os.open(sys.argv[1], os.O_RDONLY)
print(os.read(fd2, 4096).decode(), end="")
seq = os.open(sys.argv[2], os.O_RDONLY)
print(os.pread(seq, 5, 42).decode())
)PY",
                          {d.path("kp_pos"), d.path("kp_posseq")});
    ASSERT_EQ(py.status, 0) << py.err;
    std::istringstream lines(py.out);
    std::string first, second, third;
    std::getline(lines, first);
    std::getline(lines, second);
    std::getline(lines, third);
    EXPECT_EQ(fields_of(first)["pos"], "12345") << py.out;
    EXPECT_EQ(fields_of(second)["pos"], "0") << py.out;
    EXPECT_EQ(third, "23456");
    // Sequential reads continue where the handler left *f_pos: dd skips 14 bytes, reads 7.
    RunResult dd =
        run({"dd", "if=" + d.path("kp_posseq"), "bs=7", "skip=2", "count=1", "status=none"});
    EXPECT_EQ(dd.status, 0) << dd.err;
    EXPECT_EQ(dd.out, "4567890");
}

TEST_F(FileView, PrivateDataSetInOpenIsSeenByReadOfTheSameFile) {
    RunResult py = python(R"PY(
import os, sys
a = os.open(sys.argv[1], os.O_RDONLY)
b = os.open(sys.argv[1], os.O_RDONLY)
rb = os.read(b, 4096).decode()
ra = os.read(a, 4096).decode()
print(ra + rb, end="")
)PY",
                          {d.path("kp_pos")});
    ASSERT_EQ(py.status, 0) << py.err;
    auto nl = py.out.find('\n');
    int a = std::stoi(fields_of(py.out.substr(0, nl))["file"]);
    int b = std::stoi(fields_of(py.out.substr(nl + 1))["file"]);
    EXPECT_EQ(b, a + 1) << py.out; // numbered by open, in open order, whatever the read order
}

TEST_F(FileView, NonblockAndAccessModeAreVisibleInTheFile) {
    EXPECT_EQ(fields_of(run({"cat", d.path("kp_pos")}).out)["nonblock"], "0");
    RunResult dd = run({"dd", "if=" + d.path("kp_pos"), "iflag=nonblock", "status=none"});
    EXPECT_EQ(fields_of(dd.out)["nonblock"], "1") << dd.out << dd.err;
    RunResult py = python(R"PY(
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK)
print(os.read(fd, 4096).decode(), end="")
)PY",
                          {d.path("kp_pos")});
    auto f = fields_of(py.out);
    EXPECT_EQ(f["nonblock"], "1") << py.out << py.err;
    EXPECT_EQ(f["rw"], "3"); // FMODE_READ | FMODE_WRITE
}

// fcntl(F_SETFL) changes f_flags in Linux (devkmsg_read, pipes... check O_NONBLOCK on each
// read); the handler must see the change on the next read.
TEST_F(FileView, NonblockSetWithFcntlAfterOpenIsVisible) {
    RunResult py = python(R"PY(
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.set_blocking(fd, False)
print(os.read(fd, 4096).decode(), end="")
)PY",
                          {d.path("kp_pos")});
    EXPECT_EQ(fields_of(py.out)["nonblock"], "1") << py.out << py.err;
}

TEST_F(FileView, WritesPassTheirPositionAndAppendFlag) {
    RunResult r =
        sh("echo first > \"$F\" && echo second >> \"$F\"", {.env = {{"F", d.path("kp_pos")}}});
    ASSERT_EQ(r.status, 0) << r.err;
    RunResult py = python(R"PY(
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, b"xyz", 77)
)PY",
                          {d.path("kp_pos")});
    ASSERT_EQ(py.status, 0) << py.err;
    std::string log = dmesg(d);
    EXPECT_TRUE(std::regex_search(
        log, std::regex("kp_pos: write pos=0 count=6 append=0 file=[0-9]+ data=first\n")))
        << log;
    EXPECT_TRUE(std::regex_search(
        log, std::regex("kp_pos: write pos=0 count=7 append=1 file=[0-9]+ data=second\n")))
        << log;
    EXPECT_TRUE(std::regex_search(
        log, std::regex("kp_pos: write pos=77 count=3 append=0 file=[0-9]+ data=xyz\n")))
        << log;
}

TEST_F(FileView, MissingHandlersGiveEioForReadAndWriteAndEnottyForIoctl) {
    RunResult cat = run({"cat", d.path("kp_noops")});
    EXPECT_EQ(cat.status, 1);
    EXPECT_NE(cat.err.find("Input/output error"), std::string::npos) << cat.err;
    RunResult dd = run({"dd", "of=" + d.path("kp_noops"), "status=none"}, {.input = "data\n"});
    EXPECT_EQ(dd.status, 1);
    EXPECT_NE(dd.err.find("Input/output error"), std::string::npos) << dd.err;
    RunResult py = python(R"PY(
import errno, fcntl, os, select, sys
fd = os.open(sys.argv[1], os.O_RDWR)
def attempt(name, call):
    try:
        call()
        print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
attempt("read", lambda: os.read(fd, 100))
attempt("write", lambda: os.write(fd, b"x"))
attempt("ioctl_ior", lambda: fcntl.ioctl(fd, (2 << 30) | (4 << 16) | (ord("k") << 8) | 1,
                                         bytearray(4), True))
attempt("ioctl_io", lambda: fcntl.ioctl(fd, (ord("k") << 8) | 4))
print("seek", os.lseek(fd, 10, os.SEEK_SET))
attempt("seek_data", lambda: os.lseek(fd, 0, os.SEEK_DATA))
p = select.poll()
p.register(fd, 0x147)  # IN PRI OUT RDNORM WRNORM
print("poll", hex(p.poll(1000)[0][1]))
)PY",
                          {d.path("kp_noops")});
    ASSERT_EQ(py.status, 0) << py.err;
    EXPECT_EQ(py.out, "read EIO\nwrite EIO\nioctl_ior ENOTTY\nioctl_io ENOTTY\nseek 10\n"
                      "seek_data ENXIO\npoll 0x145\n");
}

TEST_F(FileView, RestrictedIoctlsCopyTheirArgumentBothWays) {
    RunResult py = python(R"PY(
import errno, fcntl, os, struct, sys
def ioc(d, nr, size):
    return (d << 30) | (size << 16) | (ord("k") << 8) | nr
GET, SET, ADD = ioc(2, 1, 4), ioc(1, 2, 4), ioc(3, 3, 4)
PING, DENY, UNKNOWN = ioc(0, 4, 0), ioc(0, 5, 0), ioc(2, 9, 4)
fd = os.open(sys.argv[1], os.O_RDWR)
buf = bytearray(4)
print("get", fcntl.ioctl(fd, GET, buf, True), struct.unpack("i", buf)[0])
print("set", fcntl.ioctl(fd, SET, struct.pack("i", 99)) == struct.pack("i", 99))
fcntl.ioctl(fd, GET, buf, True)
print("get", struct.unpack("i", buf)[0])
buf = bytearray(struct.pack("i", 1))
fcntl.ioctl(fd, ADD, buf, True)
print("add", struct.unpack("i", buf)[0])
print("ping", fcntl.ioctl(fd, PING))
for name, cmd in (("deny", DENY), ("unknown", UNKNOWN)):
    try:
        fcntl.ioctl(fd, cmd, bytearray(4), True)
        print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
)PY",
                          {d.path("kp_ioctl")});
    ASSERT_EQ(py.status, 0) << py.err;
    EXPECT_EQ(py.out, "get 0 7\nset True\nget 99\nadd 100\nping 42\ndeny EPERM\nunknown ENOTTY\n");
    EXPECT_NE(dmesg(d).find("kp_ioctl: set 99\n"), std::string::npos);
}

// ---- rundown: a module goes away while its files are open -------------------------------

class Rundown : public ::testing::Test {
  protected:
    Daemon d{{.config = test_modules_config("")}};
    std::map<std::string, std::string> env;
    void SetUp() override {
        ASSERT_TRUE(d.started()) << d.output();
        env = {{"F", d.path("kp_open")},
               {"LKMFS_SOCKET", d.socket()},
               {"LKMCTL", BuildTree::bin("lkmctl")},
               {"KO", BuildTree::test_module("kp_open")}};
    }
    RunResult insmod(const std::vector<std::string> &params = {}) {
        std::vector<std::string> args = {"insmod", BuildTree::test_module("kp_open")};
        args.insert(args.end(), params.begin(), params.end());
        return d.lkmctl(args);
    }
};

TEST_F(Rundown, RmmodWithAnOpenFileSucceedsAtOnceAndTheFileRunsDown) {
    ASSERT_EQ(insmod().status, 0);
    // fd 3 for reading, fd 4 for reading and writing; both stay open across the rmmod.
    RunResult r = sh(R"SH(
exec 3<"$F" 4<>"$F"
python3 -c 'import os; os.lseek(3, 0, os.SEEK_DATA)' 2>/dev/null || echo "seek_data_before=failed"
start=$(date +%s%N)
"$LKMCTL" rmmod kp_open; echo "rmmod=$?"
echo "rmmod_ms=$(( ($(date +%s%N) - start) / 1000000 ))"
cat <&3; echo "read=$?"
python3 - <<'EOF'
import errno, fcntl, os, select
def attempt(name, call):
    try:
        print(name, call())
    except OSError as e:
        print(name, errno.errorcode[e.errno])
attempt("write", lambda: os.write(4, b"x"))
attempt("fstat", lambda: oct(os.fstat(3).st_mode))
attempt("seek_data", lambda: os.lseek(3, 0, os.SEEK_DATA))
attempt("ioctl", lambda: fcntl.ioctl(3, (2 << 30) | (4 << 16) | (ord("k") << 8) | 1,
                                     bytearray(4), True))
p = select.poll()
p.register(3, 0x147)  # IN PRI OUT RDNORM WRNORM
print("poll", hex(p.poll(1000)[0][1]))
EOF
cat "$F"; echo "open=$?"
exec 3<&- 4<&-
)SH",
                     {.env = env});
    ASSERT_FALSE(r.timed_out) << r.out << r.err;
    EXPECT_NE(r.out.find("seek_data_before=failed"), std::string::npos) << r.out; // ENXIO
    EXPECT_NE(r.out.find("rmmod=0\n"), std::string::npos) << r.out << r.err;
    std::smatch ms;
    ASSERT_TRUE(std::regex_search(r.out, ms, std::regex("rmmod_ms=([0-9]+)"))) << r.out;
    EXPECT_LT(std::stoi(ms[1]), 2000) << "rmmod waited for the open files";
    EXPECT_NE(r.out.find("read=1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("Input/output error"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("write EIO\n"), std::string::npos) << r.out;
    // fstat still works on the open file (cat calls it before reading).
    EXPECT_NE(r.out.find("fstat 0o100666\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("seek_data EINVAL\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ioctl ENOTTY\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("poll 0x145\n"), std::string::npos) << r.out; // DEFAULT_POLLMASK
    EXPECT_NE(r.out.find("open=1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;

    // proc_release ran once per open file, inside the module's exit (at remove_proc_entry),
    // and not again when the files were closed afterwards.
    // (FUSE sends releases after close() returns: give a wrong one time to show up.)
    EXPECT_FALSE(wait_for([&] { return occurrences(dmesg(d), "kp_open: release ") > 2; }, 300));
    EXPECT_EQ(run({"cat", d.path("modules")}).status, 0) << "the daemon died";
    std::string log = dmesg(d);
    EXPECT_EQ(occurrences(log, "kp_open: release "), 2) << log;
    auto begins = log.find("kp_open: exit begins");
    auto release = log.find("kp_open: release 2");
    auto done = log.find("kp_open: exit done after 2 releases");
    ASSERT_NE(done, std::string::npos) << log;
    EXPECT_LT(begins, release) << log;
    EXPECT_LT(release, done) << log;
    EXPECT_EQ(d.lkmctl({"lsmod"}).out.find("kp_open"), std::string::npos);
}

TEST_F(Rundown, ReleaseRunsOnceWhenTheLastDescriptorCloses) {
    ASSERT_EQ(insmod().status, 0);
    RunResult r = sh("exec 3<\"$F\"; cat <&3; exec 5<&3; exec 3<&-; exec 5<&-", {.env = env});
    EXPECT_EQ(r.out, "alive\n") << r.err;
    // FUSE sends the release after close() returned: wait for it.
    EXPECT_TRUE(wait_for([&] { return occurrences(dmesg(d), "kp_open: release ") >= 1; }));
    ASSERT_EQ(d.lkmctl({"rmmod", "kp_open"}).status, 0);
    std::string log = dmesg(d);
    EXPECT_EQ(occurrences(log, "kp_open: release "), 1) << log;
    EXPECT_NE(log.find("kp_open: exit done after 1 releases"), std::string::npos) << log;
}

TEST_F(Rundown, AFileOfAnUnloadedModuleStaysDeadAfterTheModuleReturns) {
    ASSERT_EQ(insmod().status, 0);
    RunResult r = sh(R"SH(
exec 3<"$F"
"$LKMCTL" rmmod kp_open && "$LKMCTL" insmod "$KO" || echo reload=failed
python3 -c 'import os; os.read(3, 100)' 2>/dev/null; echo "old=$?"
cat "$F"; echo "new=$?"
)SH",
                     {.env = env});
    // The old descriptor reads EIO (python exits 1 on the OSError); the new entry serves.
    EXPECT_EQ(r.out, "old=1\nalive\nnew=0\n") << r.err;
}

TEST_F(Rundown, AModuleHoldingItsOwnReferenceCannotBeRemovedWhileOpen) {
    ASSERT_EQ(insmod({"pin=1"}).status, 0);
    RunResult r = sh(R"SH(
exec 3<"$F"
"$LKMCTL" rmmod kp_open; echo "rmmod=$?"
"$LKMCTL" lsmod | grep '^kp_open'
cat <&3
)SH",
                     {.env = env});
    EXPECT_NE(r.out.find("rmmod=1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("Module kp_open is in use"), std::string::npos) << r.err;
    EXPECT_TRUE(std::regex_search(r.out, std::regex("kp_open +[0-9]+ +1\n"))) << r.out;
    EXPECT_NE(r.out.find("alive\n"), std::string::npos) << r.out;
    // Closed (the shell exited): release drops the reference, and rmmod succeeds.
    EXPECT_TRUE(wait_for([&] { return d.lkmctl({"rmmod", "kp_open"}).status == 0; }));
    EXPECT_EQ(occurrences(dmesg(d), "kp_open: release "), 1);
}

} // namespace
} // namespace lkmfs::testing
