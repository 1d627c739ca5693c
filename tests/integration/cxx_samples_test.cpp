// The C++ layer's sample through a real mount: kbuf_cpp (modules/kbuf in modern C++) must
// behave exactly as kbuf does. Both are loaded side by side and driven by the same
// commands (cat, echo, dd, and python3 for exact read/write/lseek/pread/pwrite results);
// the transcripts, with each entry's name written as NAME, must be identical, and so must
// their log messages. rmmod removes the RAII entry with nothing left behind or leaked; and
// tests/modules/kl_cxx_lifetime shows the owners' destructors at a failed init (they clean
// up) and at an unload without reset() (the core cleans up, nothing crashes).
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lkmfs::testing {
namespace {

// Replaces every `from` in `text` with `to`.
std::string replace_all(std::string text, const std::string &from, const std::string &to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

// The two samples, loaded with the same parameters into one daemon.
class KbufTwins : public ::testing::Test {
  protected:
    static constexpr const char *kNames[] = {"kbuf", "kbuf_cpp"};

    void load(const std::string &params = "size=32") {
        ASSERT_TRUE(d_.started()) << d_.output();
        for (const char *name : kNames) {
            RunResult r = d_.lkmctl({"insmod", BuildTree::sample_module(name), params});
            ASSERT_EQ(r.status, 0) << name << ": " << r.err;
        }
    }

    // Runs each command (F is the entry's path) and records it with its output, error
    // and exit status; the entry's path and name read as F and NAME.
    std::string transcript(const std::string &name, const std::vector<std::string> &commands) {
        std::string path = d_.path(name), out;
        for (const std::string &command : commands) {
            RunResult r = sh("F=" + path + "; " + command);
            out += "$ " + command + "\n" + r.out + r.err + "[status " + std::to_string(r.status) +
                   "]\n";
        }
        return replace_all(replace_all(out, path, "F"), name, "NAME");
    }

    // The module's own log lines (text after "NAME: "), in order, taint notices aside.
    std::string log_of(const std::string &name) {
        std::string dmesg = d_.lkmctl({"dmesg"}).out, lines, prefix = "] " + name + ": ";
        std::size_t at = 0;
        while (at < dmesg.size()) {
            std::size_t end = dmesg.find('\n', at);
            if (end == std::string::npos)
                end = dmesg.size();
            std::string line = dmesg.substr(at, end - at);
            // The taint notices come once per daemon, for whichever module loads first.
            if (auto p = line.find(prefix);
                p != std::string::npos && line.find("taint") == std::string::npos)
                lines += line.substr(p + prefix.size()) + "\n";
            at = end + 1;
        }
        return replace_all(lines, name, "NAME");
    }

    Daemon d_;
};

TEST_F(KbufTwins, ShellCommandsGiveTheSameResults) {
    load();
    const std::vector<std::string> commands = {
        "cat $F",
        "echo hi > $F && cat $F",
        "echo there >> $F && cat $F",
        // A write at an offset extends the content in place; one past the end leaves a gap
        // of zeros.
        "printf XY | dd of=$F bs=1 seek=3 conv=notrunc status=none && cat $F",
        "printf AB | dd of=$F bs=1 seek=12 conv=notrunc status=none && od -An -c $F",
        // Partial reads at offsets, and reads in pieces.
        "dd if=$F bs=4 skip=1 count=2 status=none | od -An -c",
        "dd if=$F bs=5 status=none | wc -c",
        // Too long for 32 bytes: refused whole (ENOSPC), the content stays.
        "echo 'a line much longer than thirty-two bytes' > $F; echo $?; od -An -c $F",
        "printf x | dd of=$F bs=1 seek=32 conv=notrunc status=none; echo $?",
        // Exactly the capacity fits.
        "head -c 32 /dev/zero | tr '\\0' z > $F && cat $F && echo",
        "head -c 33 /dev/zero | tr '\\0' y > $F; echo $?; cat $F; echo",
        "echo new > $F && cat $F",
    };
    std::string c = transcript("kbuf", commands), cpp = transcript("kbuf_cpp", commands);
    EXPECT_EQ(cpp, c);
    // Not merely the same, but right.
    EXPECT_TRUE(Contains(cpp, "$ echo there >> $F && cat $F\nhi\nthere\n[status 0]"));
    EXPECT_TRUE(Contains(cpp, "cat $F\nhi\nXYere\n[status 0]"));
    EXPECT_TRUE(Contains(cpp, "No space left on device"));
    EXPECT_TRUE(Contains(cpp, "\n" + std::string(32, 'z') + "\n[status 0]"));
    EXPECT_TRUE(Contains(cpp, "$ echo new > $F && cat $F\nnew\n[status 0]"));
}

TEST_F(KbufTwins, SystemCallsGiveTheSameResults) {
    load();
    // Every call's result or errno name, as the process sees it.
    const std::string script = R"PY(
import errno, os, sys
path, size = sys.argv[1], 32
def show(label, call):
    try:
        result = call()
    except OSError as e:
        result = errno.errorcode[e.errno]
    print(label, repr(result))
fd = os.open(path, os.O_RDWR)
show('write', lambda: os.write(fd, b'0123456789'))
show('read at the end', lambda: os.read(fd, 5))
show('lseek set', lambda: os.lseek(fd, 0, os.SEEK_SET))
for _ in range(4):
    show('read 4', lambda: os.read(fd, 4))
show('lseek cur', lambda: os.lseek(fd, -3, os.SEEK_CUR))
show('read', lambda: os.read(fd, 100))
show('pread', lambda: os.pread(fd, 3, 5))
show('pwrite', lambda: os.pwrite(fd, b'ab', 2))
show('pread all', lambda: os.pread(fd, 100, 0))
show('pwrite past the end', lambda: os.pwrite(fd, b'Z', 14))
show('pread all', lambda: os.pread(fd, 100, 0))
show('pread past the end', lambda: os.pread(fd, 10, 40))
show('pwrite to the last byte', lambda: os.pwrite(fd, b'L', size - 1))
show('pwrite at capacity', lambda: os.pwrite(fd, b'x', size))
show('pwrite too long', lambda: os.pwrite(fd, b'x' * (size + 1), 0))
show('pwrite straddling', lambda: os.pwrite(fd, b'xyz', size - 2))
show('pread all', lambda: os.pread(fd, 100, 0))
show('pwrite at 0 replaces', lambda: os.pwrite(fd, b'new', 0))
show('pread all', lambda: os.pread(fd, 100, 0))
os.close(fd)
fd = os.open(path, os.O_WRONLY | os.O_APPEND)
show('append', lambda: os.write(fd, b'+1'))
show('append', lambda: os.write(fd, b'+2'))
show('read on a write-only file', lambda: os.read(fd, 1))
os.close(fd)
fd = os.open(path, os.O_RDONLY)
show('read all', lambda: os.read(fd, 100))
show('write on a read-only file', lambda: os.write(fd, b'x'))
os.close(fd)
)PY";
    auto run_for = [&](const std::string &name) {
        RunResult r = python(script, {d_.path(name)});
        EXPECT_EQ(r.status, 0) << name << ": " << r.err;
        return r.out;
    };
    std::string c = run_for("kbuf"), cpp = run_for("kbuf_cpp");
    EXPECT_EQ(cpp, c);
    EXPECT_TRUE(Contains(cpp, "read 4 b'89'\nread 4 b''\nlseek cur 7\nread b'789'\n"));
    EXPECT_TRUE(Contains(cpp, "pread all b'01ab456789\\x00\\x00\\x00\\x00Z'"));
    EXPECT_TRUE(Contains(cpp, "pwrite at capacity 'ENOSPC'\npwrite too long 'ENOSPC'\n"
                              "pwrite straddling 'ENOSPC'\n"));
    EXPECT_TRUE(Contains(cpp, "read all b'new+1+2'\n"));
}

TEST_F(KbufTwins, TheyLogTheSameMessages) {
    load();
    for (const char *name : kNames) {
        RunResult r = sh("echo 'more than thirty-two bytes, refused whole' > " + d_.path(name));
        EXPECT_NE(r.status, 0);
    }
    for (const char *name : kNames)
        ASSERT_EQ(d_.lkmctl({"rmmod", name}).status, 0);
    // A size out of range fails the load with EINVAL (kmod's words for it), logged alike.
    for (const char *name : kNames) {
        RunResult r = d_.lkmctl({"insmod", BuildTree::sample_module(name), "size=0"});
        EXPECT_NE(r.status, 0);
        EXPECT_TRUE(Contains(r.err, "Invalid parameters"));
    }
    std::string c = log_of("kbuf"), cpp = log_of("kbuf_cpp");
    EXPECT_EQ(cpp, c);
    EXPECT_EQ(cpp, "entry NAME created, capacity 32 bytes\n"
                   "write of 42 bytes at offset 0 refused: the buffer holds 32 bytes\n"
                   "entry NAME removed\n"
                   "size=0 is out of range: 1 to 4194304 bytes\n");
}

TEST_F(KbufTwins, RmmodRemovesTheEntryAndLeavesNothingBehind) {
    load();
    const std::string script = R"PY(
import os, subprocess, sys
path, lkmctl, name = sys.argv[1:]
fd = os.open(path, os.O_RDWR)
os.write(fd, b'kept open')
print('rmmod', subprocess.run([lkmctl, 'rmmod', name]).returncode)
print('exists', os.path.exists(path))
try:
    os.pread(fd, 10, 0)
except OSError as e:
    print('read on the open file', e.strerror)
os.close(fd)
)PY";
    for (const char *name : kNames) {
        RunResult r = python(script, {d_.path(name), BuildTree::bin("lkmctl"), name},
                             {.env = {{"LKMFS_SOCKET", d_.socket()}}});
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.out, "rmmod 0\nexists False\nread on the open file Input/output error\n")
            << name;
    }
    RunResult lsmod = d_.lkmctl({"lsmod"});
    EXPECT_TRUE(LacksText(lsmod.out, "kbuf"));
    std::string dmesg = d_.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(dmesg, "kbuf_cpp: entry kbuf_cpp removed"));
    EXPECT_TRUE(LacksText(dmesg, "left behind"));
    EXPECT_TRUE(LacksText(dmesg, "leaked"));

    // Loaded again, it starts afresh.
    ASSERT_EQ(d_.lkmctl({"insmod", BuildTree::sample_module("kbuf_cpp")}).status, 0);
    EXPECT_EQ(run({"cat", d_.path("kbuf_cpp")}).out, "");
    EXPECT_EQ(sh("echo again > " + d_.path("kbuf_cpp") + " && cat " + d_.path("kbuf_cpp")).out,
              "again\n");
}

// ---- a user's module in the C++ style, as docs/module-guide.md shows it ----------------------

// The guide's example, verbatim.
const char *const kNoteCpp = R"CPP(// SPDX-License-Identifier: GPL-2.0
/* note: one line of text in /proc, written in C++ with the lkmfs layer. */
#include <array>
#include <span>

#include <lkmfs/mutex.hpp>
#include <lkmfs/proc.hpp>

#include <linux/module.h>

struct note {
	lkmfs::mutex lock;
	std::array<char, 64> text{};
	std::size_t len = 0;
};

static note the_note;
static lkmfs::proc_file entry;

static int __init note_init(void)
{
	auto file = lkmfs::proc_file::create("note", 0666, nullptr, lkmfs::handlers{
		.read = [n = &the_note](lkmfs::file_ref, lkmfs::user_out to, loff_t &pos) {
			lkmfs::mutex_guard guard(n->lock);
			return lkmfs::read_from_buffer(to, pos, std::span(n->text).first(n->len));
		},
		.write = [n = &the_note](lkmfs::file_ref, lkmfs::user_in from, loff_t &) -> ssize_t {
			if (from.size() > n->text.size())
				return -EINVAL;
			lkmfs::mutex_guard guard(n->lock);
			ssize_t copied = from.copy_in(std::span(n->text).first(from.size()));
			n->len = copied < 0 ? 0 : copied;
			return copied;
		},
	});
	if (!file)
		return file.error();
	entry = std::move(*file);
	return 0;
}

static void __exit note_exit(void)
{
	entry.reset();
}

module_init(note_init);
module_exit(note_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("One line of text in /proc");
)CPP";

TEST(CxxLayerUserModule, BuildsWithTheSeedMakefileAndNeedsOnlyTheCApi) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    std::string log;
    std::string ko = build_module(d.dir(), "note", {{"note.cpp", kNoteCpp}}, &log);
    ASSERT_FALSE(ko.empty()) << log;
    EXPECT_TRUE(Contains(log, "CXX [M]"));
    EXPECT_TRUE(LacksText(log, "warning:"));
    // Templates over the C API: no C++ runtime name (operator new, std::...) to resolve.
    RunResult nm = run({"nm", "-D", "--undefined-only", ko});
    ASSERT_EQ(nm.status, 0) << nm.err;
    EXPECT_TRUE(LacksText(nm.out, " _Z"));
    EXPECT_TRUE(Contains(nm.out, " U proc_create_data\n"));

    ASSERT_EQ(d.lkmctl({"insmod", ko}).status, 0);
    EXPECT_EQ(sh("echo hello > " + d.path("note") + " && cat " + d.path("note")).out, "hello\n");
    RunResult big = sh("head -c 100 /dev/zero > " + d.path("note"));
    EXPECT_NE(big.status, 0);
    EXPECT_TRUE(Contains(big.err, "Invalid argument"));
    EXPECT_EQ(run({"cat", d.path("note")}).out, "hello\n");
    ASSERT_EQ(d.lkmctl({"rmmod", "note"}).status, 0);
    EXPECT_NE(access(d.path("note").c_str(), F_OK), 0);
    std::string dmesg = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(LacksText(dmesg, "left behind"));
    EXPECT_TRUE(LacksText(dmesg, "leaked"));
}

// ---- kl_cxx_lifetime: the owners' destructors at the edges of a module's life ----------------

TEST(CxxLayerLifetime, AFailedInitCleansUpThroughTheLocalsDestructors) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = d.lkmctl({"insmod", BuildTree::test_module("kl_cxx_lifetime"), "fail_init=1"});
    EXPECT_NE(r.status, 0);
    EXPECT_TRUE(Contains(r.err, "Operation canceled"));
    EXPECT_NE(access(d.path("kl_cxx_lifetime").c_str(), F_OK), 0);
    std::string dmesg = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(dmesg, "kl_cxx_lifetime: init fails with its entry in a local"));
    EXPECT_TRUE(LacksText(dmesg, "left behind")) << "the local's destructor removed the entry";
    EXPECT_TRUE(LacksText(dmesg, "leaked")) << "and freed the handlers and the text";
}

TEST(CxxLayerLifetime, ResetInExitUnloadsCleanly) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kl_cxx_lifetime")}).status, 0);
    EXPECT_EQ(run({"cat", d.path("kl_cxx_lifetime")}).out, "lifetime\n");
    ASSERT_EQ(d.lkmctl({"rmmod", "kl_cxx_lifetime"}).status, 0);
    EXPECT_NE(access(d.path("kl_cxx_lifetime").c_str(), F_OK), 0);
    std::string dmesg = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(dmesg, "kl_cxx_lifetime: exit"));
    EXPECT_TRUE(LacksText(dmesg, "left behind"));
    EXPECT_TRUE(LacksText(dmesg, "leaked"));
}

TEST(CxxLayerLifetime, WithoutResetTheCoreCleansUpAndTheDestructorsDoNoHarm) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kl_cxx_lifetime"), "forget=1"}).status,
              0);
    EXPECT_EQ(run({"cat", d.path("kl_cxx_lifetime")}).out, "lifetime\n");
    RunResult rm = d.lkmctl({"rmmod", "kl_cxx_lifetime"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    std::string dmesg = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(dmesg, "kl_cxx_lifetime: exit without reset()"));
    EXPECT_TRUE(Contains(
        dmesg,
        "lkmfs: removing /proc entry 'kl_cxx_lifetime' left behind by module kl_cxx_lifetime"));
    EXPECT_TRUE(Contains(dmesg, "kl_cxx_lifetime: module leaked 2 object(s)"));
    // The globals' destructors ran at unmap time without touching the removed entry: the
    // daemon still serves, and the module loads again.
    EXPECT_NE(access(d.path("kl_cxx_lifetime").c_str(), F_OK), 0);
    ASSERT_EQ(d.lkmctl({"insmod", BuildTree::test_module("kl_cxx_lifetime")}).status, 0);
    EXPECT_EQ(run({"cat", d.path("kl_cxx_lifetime")}).out, "lifetime\n");
    EXPECT_EQ(d.lkmctl({"rmmod", "kl_cxx_lifetime"}).status, 0);
    EXPECT_EQ(d.stop(), 0) << d.output();
}

} // namespace
} // namespace lkmfs::testing
