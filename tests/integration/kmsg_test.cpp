// MNT/kmsg, read and written with real dd, echo and python3, against /dev/kmsg's semantics:
// one "level,seq,usec,flags;text" record per read, every open starting at the oldest
// record, EINVAL for a buffer too small, EAGAIN at the end with O_NONBLOCK, a blocking read
// woken by a new record and ended by a signal, EPIPE and a sequence gap after records were
// overwritten; and printk's levels and continuations as stored.
#include "lkmfs_daemon.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

namespace lkmfs::testing {
namespace {

// Python helpers for the scripts below: show(fd, size) prints one line per read, "OK " and
// the data with each newline shown as "|", or "ERR " and the errno's name.
const std::string kShow = R"PY(
import errno, os, sys
def show(fd, size=8192):
    try:
        data = os.read(fd, size)
        print("OK " + data.decode(errors="replace").replace("\n", "|"), flush=True)
    except OSError as e:
        print("ERR " + errno.errorcode[e.errno], flush=True)
def drain(fd):
    while True:
        try:
            os.read(fd, 8192)
        except BlockingIOError:
            return
)PY";

struct Record {
    int prefix = -1; // (facility << 3) | level
    unsigned long long seq = 0;
    unsigned long long usec = 0;
    char flag = '?';
    std::string text;
};

// Parses an "OK level,seq,usec,flags;text|" line: one record, ending the data.
bool parse_record(const std::string &line, Record *out) {
    static const std::regex re("OK ([0-9]+),([0-9]+),([0-9]+),([-c]);([^|]*)\\|");
    std::smatch m;
    if (!std::regex_match(line, m, re))
        return false;
    out->prefix = std::stoi(m[1]);
    out->seq = std::stoull(m[2]);
    out->usec = std::stoull(m[3]);
    out->flag = m[4].str()[0];
    out->text = m[5];
    return true;
}

std::vector<std::string> lines_of(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        out.push_back(line);
    return out;
}

// Every record now in the log, read with O_NONBLOCK until EAGAIN.
std::vector<Record> read_all(const Daemon &d) {
    RunResult r = python(kShow + R"PY(
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
for _ in range(100000):
    try:
        data = os.read(fd, 8192)
    except BlockingIOError:
        break
    show_data = data.decode(errors="replace").replace("\n", "|")
    print("OK " + show_data)
)PY",
                         {d.path("kmsg")});
    std::vector<Record> records;
    for (const auto &line : lines_of(r.out)) {
        Record rec;
        EXPECT_TRUE(parse_record(line, &rec)) << "not one record: " << line;
        records.push_back(rec);
    }
    return records;
}

const Record *find_text(const std::vector<Record> &records, const std::string &text) {
    for (const auto &r : records)
        if (r.text == text)
            return &r;
    return nullptr;
}

TEST(Kmsg, EachReadReturnsOneRecordInTheDevKmsgFormat) {
    Daemon d({.config = test_modules_config("kp_printk")});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult all = python(kShow + R"PY(
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
while True:
    try:
        data = os.read(fd, 8192)
    except OSError as e:
        print("ERR " + errno.errorcode[e.errno])
        break
    print("OK " + data.decode(errors="replace").replace("\n", "|"))
)PY",
                           {d.path("kmsg")});
    ASSERT_EQ(all.status, 0) << all.err;
    auto lines = lines_of(all.out);
    ASSERT_GE(lines.size(), 14u) << all.out;
    EXPECT_EQ(lines.back(), "ERR EAGAIN");
    std::vector<Record> records;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        Record rec;
        ASSERT_TRUE(parse_record(lines[i], &rec)) << "not exactly one record: " << lines[i];
        records.push_back(rec);
    }
    // Sequence numbers from 0 without gaps; monotonic microsecond timestamps.
    for (std::size_t i = 0; i < records.size(); ++i) {
        EXPECT_EQ(records[i].seq, i);
        if (i > 0) {
            EXPECT_GE(records[i].usec, records[i - 1].usec);
        }
    }
    EXPECT_EQ(records.front().text.rfind("lkmfs: kernel ", 0), 0u) << records.front().text;
    EXPECT_EQ(records.front().prefix, 6);

    // Each level as given, the kernel facility (0); no level and KERN_DEFAULT are level 4.
    const std::pair<const char *, int> expected[] = {
        {"kp_printk: level emerg", 0},
        {"kp_printk: level alert", 1},
        {"kp_printk: level crit", 2},
        {"kp_printk: level err", 3},
        {"kp_printk: level warning", 4},
        {"kp_printk: level notice", 5},
        {"kp_printk: level info", 6},
        {"kp_printk: level debug", 7},
        {"kp_printk without a level", 4},
        {"kp_printk with KERN_DEFAULT", 4},
        // KERN_CONT continued the open record: one record, one line.
        {"kp_printk: first half, second half", 6}};
    for (const auto &[text, level] : expected) {
        const Record *rec = find_text(records, text);
        ASSERT_NE(rec, nullptr) << text << "\n" << all.out;
        EXPECT_EQ(rec->prefix, level) << text;
        EXPECT_EQ(rec->flag, '-') << text;
    }
    for (const auto &rec : records) {
        if (rec.text.find("second half") != std::string::npos) {
            EXPECT_EQ(rec.text, "kp_printk: first half, second half")
                << "the continuation made a record of its own";
        }
    }
}

TEST(Kmsg, EveryOpenStartsAtTheOldestRecord) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = python(kShow + R"PY(
w = os.open(sys.argv[1], os.O_WRONLY)
for i in range(3):
    os.write(w, b"<6>record %d\n" % i)
a = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
show(a); show(a)
b = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
show(b)
show(a)
)PY",
                         {d.path("kmsg")});
    ASSERT_EQ(r.status, 0) << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 4u) << r.out;
    Record a0, a1, b0, a2;
    ASSERT_TRUE(parse_record(lines[0], &a0) && parse_record(lines[1], &a1) &&
                parse_record(lines[2], &b0) && parse_record(lines[3], &a2))
        << r.out;
    EXPECT_EQ(a0.seq, 0u);
    EXPECT_EQ(a1.seq, 1u);
    EXPECT_EQ(b0.seq, 0u); // a new open: the oldest again
    EXPECT_EQ(b0.text, a0.text);
    EXPECT_EQ(a2.seq, 2u); // the first reader kept its own position
}

TEST(Kmsg, ABufferSmallerThanTheRecordIsEinvalAndKeepsTheRecord) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = python(kShow + R"PY(
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
show(fd, 8)
show(fd)
)PY",
                         {d.path("kmsg")});
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out << r.err;
    EXPECT_EQ(lines[0], "ERR EINVAL");
    Record rec;
    ASSERT_TRUE(parse_record(lines[1], &rec)) << lines[1];
    EXPECT_EQ(rec.seq, 0u);

    RunResult dd = run({"dd", "if=" + d.path("kmsg"), "bs=8", "count=1", "status=none"});
    EXPECT_EQ(dd.status, 1);
    EXPECT_NE(dd.err.find("Invalid argument"), std::string::npos) << dd.err;
}

TEST(Kmsg, NonblockingReadAtTheEndIsEagain) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult dd = run({"dd", "if=" + d.path("kmsg"), "iflag=nonblock", "bs=8192", "status=none"});
    EXPECT_EQ(dd.status, 1);
    EXPECT_NE(dd.err.find("Resource temporarily unavailable"), std::string::npos) << dd.err;
    // What dd copied before: the whole log, one record per line.
    auto lines = lines_of(dd.out);
    ASSERT_GE(lines.size(), 2u) << dd.out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        Record rec;
        ASSERT_TRUE(parse_record("OK " + lines[i] + "|", &rec)) << lines[i];
        EXPECT_EQ(rec.seq, i);
    }
}

TEST(Kmsg, ABlockingReadAtTheEndWakesWhenARecordArrives) {
    Daemon d({.config = test_modules_config("kp_printk")});
    ASSERT_TRUE(d.started()) << d.output();
    // dd reads as many records as there are, plus one: it blocks for the last one.
    RunResult r = sh(
        R"SH(
n=$(dd if="$K" iflag=nonblock bs=8192 2>/dev/null | wc -l)
dd if="$K" bs=8192 count=$((n + 1)) status=none > "$OUT" &
reader=$!
sleep 0.5
if kill -0 $reader 2>/dev/null; then echo blocked; else echo "not blocked"; fi
echo wake-up-call > "$P"
wait $reader; echo "dd=$?"
tail -n 1 "$OUT"
)SH",
        {.env = {{"K", d.path("kmsg")}, {"P", d.path("kp_printk")}, {"OUT", d.dir() / "dd.out"}}});
    ASSERT_FALSE(r.timed_out) << "the reader was not woken: " << r.out;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 3u) << r.out << r.err;
    EXPECT_EQ(lines[0], "blocked");
    EXPECT_EQ(lines[1], "dd=0");
    EXPECT_TRUE(std::regex_match(lines[2], std::regex("6,[0-9]+,[0-9]+,-;kp_printk: wake-up-call")))
        << lines[2];
}

// A reader asleep at the end of the log, then a signal: the read must end at once (the
// daemon answers FUSE's INTERRUPT), whether the signal is fatal (dd and SIGTERM: the kernel
// then waits for the daemon's answer uninterruptibly) or handled (dd's SIGINT handler,
// Python's KeyboardInterrupt). A non-interactive shell starts background commands with
// SIGINT ignored; `env --default-signal=INT` gives the readers their usual SIGINT back.
struct InterruptCase {
    const char *name;
    const char *reader; // shell command reading $((n + 1)) records from $K
    const char *signal;
    const char *expected_status; // how the reader ended
    const char *expected_output; // what the reader prints, "" for nothing
};

void PrintTo(const InterruptCase &c, std::ostream *os) {
    *os << c.name;
}

class KmsgInterrupt : public ::testing::TestWithParam<InterruptCase> {};

TEST_P(KmsgInterrupt, ABlockedReaderEndsPromptlyOnASignal) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    const InterruptCase &c = GetParam();
    std::string script = std::string(R"SH(
n=$(dd if="$K" iflag=nonblock bs=8192 2>/dev/null | wc -l)
)SH") + c.reader + R"SH( > "$OUT" 2>&1 &
reader=$!
# A reader that says when it is about to block (Python: its start-up is slow under load,
# and a SIGINT before its `try` would be a different test) is waited for.
i=0
while [ -n "$WAIT_READY" ] && ! grep -q ready "$OUT" 2>/dev/null && [ $i -lt 200 ]; do
  sleep 0.05; i=$((i + 1))
done
sleep 0.5
if kill -0 $reader 2>/dev/null; then echo blocked; else echo "not blocked"; fi
kill -$SIG $reader
i=0
while kill -0 $reader 2>/dev/null && [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done
if kill -0 $reader 2>/dev/null; then echo hung; exit 0; fi
wait $reader; echo "status=$?"
)SH";
    RunResult r =
        sh(script, {.env = {{"K", d.path("kmsg")},
                            {"SIG", c.signal},
                            {"OUT", d.dir() / "reader.out"},
                            {"SHOW", kShow},
                            {"WAIT_READY", std::string(c.name).starts_with("Python") ? "1" : ""}}});
    ASSERT_FALSE(r.timed_out) << r.out;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out << r.err;
    EXPECT_EQ(lines[0], "blocked");
    EXPECT_NE(lines[1], "hung") << "the reader did not end within 3 s of SIG" << c.signal;
    EXPECT_EQ(lines[1], c.expected_status);
    if (*c.expected_output != '\0') {
        std::string out = run({"cat", d.dir() / "reader.out"}).out;
        EXPECT_NE(out.find(c.expected_output), std::string::npos) << out;
    }
    // The daemon itself is not stuck in the abandoned read.
    EXPECT_EQ(run({"cat", d.path("modules")}).status, 0);
    EXPECT_EQ(d.stop(SIGTERM, 5000), 0) << d.output();
}

const char *kPythonReader = R"SH(env --default-signal=INT python3 -c "$SHOW
fd = os.open(sys.argv[1], os.O_RDONLY)
for _ in range(int(sys.argv[2])):
    os.read(fd, 8192)
try:
    print('ready', flush=True)
    os.read(fd, 8192)
    print('read returned')
except KeyboardInterrupt:
    print('KeyboardInterrupt')
" "$K" "$n")SH";

INSTANTIATE_TEST_SUITE_P(
    Readers, KmsgInterrupt,
    ::testing::Values(
        // Killed by the signal: 128 + 15.
        InterruptCase{"DdSigterm", R"(dd if="$K" bs=8192 count=$((n + 1)) status=none)", "TERM",
                      "status=143", ""},
        // dd's handler prints its statistics, then dies of the signal again: 128 + 2.
        InterruptCase{"DdSigint",
                      R"(env --default-signal=INT dd if="$K" bs=8192 count=$((n + 1)) status=none)",
                      "INT", "status=130", ""},
        // The read fails with EINTR, Python raises KeyboardInterrupt, the script catches it.
        InterruptCase{"PythonSigint", kPythonReader, "INT", "status=0", "KeyboardInterrupt"}),
    [](const ::testing::TestParamInfo<InterruptCase> &param) { return param.param.name; });

TEST(Kmsg, OverwrittenRecordsGiveEpipeThenASequenceGap) {
    Daemon d({.config = "modules:\n  load: []\nlog:\n  buffer_size: 4K\n"});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = python(kShow + R"PY(
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
show(fd)
w = os.open(sys.argv[1], os.O_WRONLY)
for i in range(300):
    os.write(w, b"<6>filler %d\n" % i)
show(fd)
show(fd)
fresh = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
show(fresh)
last = None
while True:
    try:
        last = os.read(fd, 8192)
    except BlockingIOError:
        break
print("OK " + last.decode().replace("\n", "|"))
)PY",
                         {d.path("kmsg")});
    ASSERT_EQ(r.status, 0) << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 5u) << r.out;
    Record first, after_gap, fresh, last;
    ASSERT_TRUE(parse_record(lines[0], &first)) << lines[0];
    EXPECT_EQ(first.seq, 0u);
    EXPECT_EQ(lines[1], "ERR EPIPE"); // records after seq 0 were lost
    ASSERT_TRUE(parse_record(lines[2], &after_gap)) << lines[2];
    EXPECT_GT(after_gap.seq, 1u); // continues at the oldest record kept
    EXPECT_EQ(after_gap.text.rfind("filler ", 0), 0u) << after_gap.text;
    ASSERT_TRUE(parse_record(lines[3], &fresh)) << lines[3];
    EXPECT_EQ(fresh.seq, after_gap.seq); // a new open starts at the same oldest record
    ASSERT_TRUE(parse_record(lines[4], &last)) << lines[4];
    EXPECT_EQ(last.text, "filler 299");
    EXPECT_EQ(last.prefix, 14); // LOG_USER | LOG_INFO
    // 4 KiB hold far fewer than 300 records.
    EXPECT_LT(last.seq - after_gap.seq, 250u);
}

TEST(Kmsg, WritesAreStoredWithTheirLevelAndTheUserFacility) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult w = sh("echo '<3>hello from user' > \"$K\" && echo 'plain line' > \"$K\" && "
                     "echo '<27>daemon facility' > \"$K\" && printf '<6>a\\tb\\n' > \"$K\"",
                     {.env = {{"K", d.path("kmsg")}}});
    ASSERT_EQ(w.status, 0) << w.err;
    auto records = read_all(d);
    const std::pair<const char *, int> expected[] = {
        {"hello from user", 11}, // <3>: LOG_USER (1 << 3) | LOG_ERR
        {"plain line", 12},      // no prefix: LOG_USER | default level 4
        {"daemon facility", 27}, // <27>: LOG_DAEMON | LOG_ERR, kept
        {"a\\x09b", 14}};        // control characters escaped as \xNN
    for (const auto &[text, prefix] : expected) {
        const Record *rec = find_text(records, text);
        ASSERT_NE(rec, nullptr) << text;
        EXPECT_EQ(rec->prefix, prefix) << text;
    }
}

// Linux keys a continuation to the task that printed (caller_id): a line a process leaves
// open in one write is continued by that process's next write, whichever CPU runs it.
TEST(Kmsg, AContinuationJoinsTheLineItsProcessLeftOpenInAnEarlierCall) {
    Daemon d({.config = test_modules_config("kp_printk")});
    ASSERT_TRUE(d.started()) << d.output();
    RunResult w = sh("for i in 1 2 3 4 5 6 7 8 9 10; do echo nonl:abc$i > \"$P\" && "
                     "echo cont:def$i > \"$P\"; done",
                     {.env = {{"P", d.path("kp_printk")}}});
    ASSERT_EQ(w.status, 0) << w.err;
    auto records = read_all(d);
    for (int i = 1; i <= 10; ++i) {
        std::string n = std::to_string(i);
        EXPECT_NE(find_text(records, "kp_printk: abc" + n + "def" + n), nullptr)
            << "line " << n << " was split: "
            << (find_text(records, "def" + n) != nullptr ? "its continuation became a record"
                                                         : "no record holds it");
    }
}

// In Linux 6.1 a record still open for continuation is not readable (printk_ringbuffer's
// readers see finalized records only): /dev/kmsg never shows half a line.
TEST(Kmsg, ALineLeftOpenIsNotReadBeforeItEnds) {
    Daemon d({.config = test_modules_config("kp_printk")});
    ASSERT_TRUE(d.started()) << d.output();
    std::map<std::string, std::string> env = {{"P", d.path("kp_printk")}};
    ASSERT_EQ(sh("echo nonl:half-a-line > \"$P\"", {.env = env}).status, 0);
    auto before = read_all(d);
    ASSERT_FALSE(before.empty());
    EXPECT_EQ(find_text(before, "kp_printk: half-a-line"), nullptr)
        << "an open record was read (flag " << before.back().flag << ")";
    // The next record closes it: now it is readable, whole and final.
    ASSERT_EQ(sh("echo next > \"$P\"", {.env = env}).status, 0);
    auto after = read_all(d);
    const Record *closed = find_text(after, "kp_printk: half-a-line");
    ASSERT_NE(closed, nullptr);
    EXPECT_EQ(closed->flag, '-');
    EXPECT_NE(find_text(after, "kp_printk: next"), nullptr);
}

TEST(Kmsg, RecordsBelowTheConsoleLevelAlsoGoToTheDaemonsStderr) {
    // console_level 4 (the default): KERN_EMERG..KERN_ERR are printed, the rest is not.
    Daemon d({.config = test_modules_config("kp_printk")});
    ASSERT_TRUE(d.started()) << d.output();
    std::string out = d.output();
    for (const char *shown : {"kp_printk: level emerg", "kp_printk: level alert",
                              "kp_printk: level crit", "kp_printk: level err"})
        EXPECT_NE(out.find(shown), std::string::npos) << shown << "\n" << out;
    for (const char *hidden : {"kp_printk: level warning", "kp_printk: level notice",
                               "kp_printk: level info", "kp_printk: level debug"})
        EXPECT_EQ(out.find(hidden), std::string::npos) << hidden << "\n" << out;
    EXPECT_TRUE(
        std::regex_search(out, std::regex(R"(\[ *[0-9]+\.[0-9]{6}\] kp_printk: level err)")))
        << out;
}

} // namespace
} // namespace lkmfs::testing
