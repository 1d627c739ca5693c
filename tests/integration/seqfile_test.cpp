// seq_file through the mount (the seqlist sample module): a 100,000-record listing read
// with any read size, from any offset, gives exactly the bytes of one whole read; and the
// single_open entries (proc_create_single, single_open with a write handler using sscanf).
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace lkmfs::testing {
namespace {

constexpr unsigned kRecords = 100000;

// The listing seqlist.c produces: a header, then one line per record; every 25000th record
// is longer than a page.
std::string expected_listing(unsigned records) {
    std::string out = "# seqlist: " + std::to_string(records) + " records\n";
    for (std::uint32_t id = 0; id < records; ++id) {
        char head[32];
        std::snprintf(head, sizeof head, "%06u %08x ", id,
                      static_cast<std::uint32_t>(id * 2654435761U));
        out += head;
        std::uint32_t n = id % 25000 == 12345 ? 9000 : (id * 7) % 29;
        for (std::uint32_t i = 0; i < n; ++i)
            out += static_cast<char>('a' + (id + i) % 26);
        out += '\n';
    }
    return out;
}

class SeqFile : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { expected_ = new std::string(expected_listing(kRecords)); }
    static void TearDownTestSuite() {
        delete expected_;
        expected_ = nullptr;
    }
    const std::string &expected() const { return *expected_; }
    std::string listing() const { return d_.path("seqlist"); }

    static std::string *expected_;
    Daemon d_{{.config = "modules:\n  load: [seqlist]\n"}};
};

std::string *SeqFile::expected_ = nullptr;

TEST_F(SeqFile, OneWholeReadIsTheListing) {
    ASSERT_TRUE(d_.started()) << d_.output();
    RunResult cat = run({"cat", listing()});
    ASSERT_EQ(cat.status, 0) << cat.err;
    EXPECT_EQ(cat.out.size(), expected().size());
    EXPECT_TRUE(cat.out == expected()) << "the listing differs from what seqlist.c prints";
    EXPECT_EQ(count_of(cat.out, "\n"), kRecords + 1);
}

TEST_F(SeqFile, EveryBlockSizeGivesTheSameBytes) {
    ASSERT_TRUE(d_.started()) << d_.output();
    for (const char *bs : {"4096", "65536", "131072", "1000000"}) {
        RunResult dd = run({"dd", "if=" + listing(), std::string("bs=") + bs, "status=none"},
                           {.timeout = std::chrono::seconds(60)});
        ASSERT_EQ(dd.status, 0) << "bs=" << bs << ": " << dd.err;
        EXPECT_TRUE(dd.out == expected()) << "bs=" << bs << ": " << dd.out.size() << " bytes";
    }
}

TEST_F(SeqFile, TinyReadsFromAnywhereGiveTheSameBytes) {
    ASSERT_TRUE(d_.started()) << d_.output();
    // Byte by byte (and 7 by 7) through the whole file would take minutes through FUSE:
    // stretches at the start, across a long record, and at the end do the same job.
    struct Case {
        const char *bs;
        std::size_t skip; // in blocks of bs
        std::size_t count;
    };
    const std::size_t size = expected().size();
    const Case cases[] = {
        {"1", 0, 20000},
        {"1", 300001, 12000},
        {"7", 0, 6000},
        {"7", 41000, 3000},             // across the first record longer than a page
        {"7", (size - 5000) / 7, 2000}, // the end: a short last block
    };
    for (const Case &c : cases) {
        RunResult dd = run({"dd", "if=" + listing(), std::string("bs=") + c.bs,
                            "skip=" + std::to_string(c.skip), "count=" + std::to_string(c.count),
                            "status=none"},
                           {.timeout = std::chrono::seconds(60)});
        ASSERT_EQ(dd.status, 0) << dd.err;
        std::size_t bs = std::stoul(c.bs);
        std::string want = expected().substr(std::min(size, c.skip * bs), c.count * bs);
        EXPECT_TRUE(dd.out == want) << "bs=" << c.bs << " skip=" << c.skip << ": got "
                                    << dd.out.size() << " bytes, want " << want.size();
    }
}

// One descriptor, reads of random sizes going forward, jumps to random offsets (pread,
// looping over short reads as any reader must), and a restart from 0.
const char *kRandomReader = R"PY(
import os, random, sys
path, expected_path = sys.argv[1], sys.argv[2]
full = open(expected_path, 'rb').read()
random.seed(6)
fd = os.open(path, os.O_RDONLY)
bad = []
def pread_all(n, off):
    out = b''
    while len(out) < n:
        d = os.pread(fd, n - len(out), off + len(out))
        if not d:
            break
        out += d
    return out
for i in range(60):
    off = random.randrange(0, len(full) + 1000)
    n = random.choice([1, 7, 4096, 65536, 131072, random.randrange(1, 300000)])
    if pread_all(n, off) != full[off:off + n]:
        bad.append(('pread', off, n))
pos = 0
got = b''
while True:
    d = os.read(fd, random.choice([1, 7, 100, 4096, 65536, 131072]))
    if not d:
        break
    got += d
    if len(got) > 300000 and pos == 0:
        pos = 1
        os.lseek(fd, 0, os.SEEK_SET)
        got = b''
if got != full:
    bad.append(('sequential', len(got)))
print('bad', bad)
)PY";

TEST_F(SeqFile, RandomOffsetsAndSizesGiveTheSameBytes) {
    ASSERT_TRUE(d_.started()) << d_.output();
    d_.dir().write("expected", expected());
    RunResult py = python(kRandomReader, {listing(), d_.dir() / "expected"},
                          {.timeout = std::chrono::seconds(100)});
    EXPECT_EQ(py.status, 0) << py.err;
    EXPECT_EQ(py.out, "bad []\n");
}

TEST_F(SeqFile, SingleOpenEntries) {
    ASSERT_TRUE(d_.started()) << d_.output();
    RunResult summary = run({"cat", d_.path("seqlist_summary")});
    ASSERT_EQ(summary.status, 0) << summary.err;
    EXPECT_EQ(summary.out, "records: 100000\nlisting bytes: " + std::to_string(expected().size()) +
                               "\nlongest line: 9017\n");
    RunResult bytewise = run({"dd", "if=" + d_.path("seqlist_summary"), "bs=1", "status=none"});
    EXPECT_EQ(bytewise.out, summary.out);

    // single_open with a write handler that parses with sscanf.
    EXPECT_EQ(run({"cat", d_.path("seqlist_marker")}).out, "marker: 0\n");
    RunResult set = sh("echo -17 > " + d_.path("seqlist_marker"));
    EXPECT_EQ(set.status, 0) << set.err;
    EXPECT_EQ(run({"cat", d_.path("seqlist_marker")}).out, "marker: -17\n");
    // (dash's echo reports any failed write as "I/O error": ask for the errno itself.)
    RunResult bad = python("import os, sys\n"
                           "fd = os.open(sys.argv[1], os.O_WRONLY)\n"
                           "try:\n    os.write(fd, b'nonsense\\n')\n"
                           "except OSError as e:\n    print(e.errno)\n",
                           {d_.path("seqlist_marker")});
    EXPECT_EQ(bad.out, "22\n") << bad.err; // EINVAL: sscanf found no number
    EXPECT_EQ(run({"cat", d_.path("seqlist_marker")}).out, "marker: -17\n");
}

TEST_F(SeqFile, ModuleUnloadsWithReadersDoneAndLeavesNoEntries) {
    ASSERT_TRUE(d_.started()) << d_.output();
    ASSERT_EQ(run({"head", "-c", "100", listing()}).status, 0);
    RunResult rm = d_.lkmctl({"rmmod", "seqlist"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    EXPECT_NE(run({"stat", listing()}).status, 0);
    RunResult dmesg = d_.lkmctl({"dmesg"});
    EXPECT_TRUE(LacksText(dmesg.out, "left behind"));
    EXPECT_TRUE(LacksText(dmesg.out, "WARNING"));
}

} // namespace
} // namespace lkmfs::testing
