// Entries read through proc_read_iter (Linux 6.1's interface for its own /proc files):
// a handler filling the iterator with copy_to_iter(), a seq_file behind seq_read_iter,
// and an entry with both read interfaces (the iterator wins, as in Linux). Every way of
// reading gives the same bytes (module tests/modules/kp_iter).
#include "lkmfs_daemon.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace lkmfs::testing {
namespace {

std::string expected_lines() {
    std::string out;
    char line[16];
    for (int i = 0; i < 2000; ++i) {
        std::snprintf(line, sizeof line, "line %05d\n", i);
        out += line;
    }
    return out;
}

// Reads `path` with random offsets and sizes (pread) and sequential reads of mixed sizes
// with a restart; prints the mismatches.
const char *kReader = R"PY(
import os, random, sys
path, expected_path = sys.argv[1], sys.argv[2]
full = open(expected_path, 'rb').read()
random.seed(11)
fd = os.open(path, os.O_RDONLY)
bad = []
for i in range(200):
    off = random.randrange(0, len(full) + 50)
    n = random.choice([1, 5, 11, 100, 4096, random.randrange(1, 30000)])
    got = os.pread(fd, n, off)
    if got != full[off:off + n][:len(got)] or (len(got) == 0 and off < len(full)):
        bad.append(('pread', off, n, len(got)))
for sizes in ([1, 3], [7, 100], [4096], [65536]):
    os.lseek(fd, 0, os.SEEK_SET)
    got = b''
    k = 0
    while True:
        d = os.read(fd, sizes[k % len(sizes)])
        k += 1
        if not d:
            break
        got += d
    if got != full:
        bad.append(('sequential', sizes, len(got)))
print('bad', bad)
)PY";

class ReadIter : public ::testing::Test {
  protected:
    Daemon d_{{.config = test_modules_config("kp_iter")}};
};

TEST_F(ReadIter, CopyToIterHandlerGivesTheSameBytesForAnyReadPattern) {
    ASSERT_TRUE(d_.started()) << d_.output();
    RunResult cat = run({"cat", d_.path("kp_iter_raw")});
    ASSERT_EQ(cat.status, 0) << cat.err;
    EXPECT_TRUE(cat.out == expected_lines()) << cat.out.size() << " bytes";
    d_.dir().write("expected", expected_lines());
    RunResult py = python(kReader, {d_.path("kp_iter_raw"), d_.dir() / "expected"});
    EXPECT_EQ(py.status, 0) << py.err;
    EXPECT_EQ(py.out, "bad []\n");
}

TEST_F(ReadIter, SeqReadIterGivesTheSameBytesForAnyReadPattern) {
    ASSERT_TRUE(d_.started()) << d_.output();
    for (const char *bs : {"1", "7", "4096"}) {
        RunResult dd =
            run({"dd", "if=" + d_.path("kp_iter_seq"), std::string("bs=") + bs, "status=none"});
        ASSERT_EQ(dd.status, 0) << dd.err;
        EXPECT_TRUE(dd.out == expected_lines()) << "bs=" << bs << ": " << dd.out.size();
    }
    d_.dir().write("expected", expected_lines());
    RunResult py = python(kReader, {d_.path("kp_iter_seq"), d_.dir() / "expected"});
    EXPECT_EQ(py.status, 0) << py.err;
    EXPECT_EQ(py.out, "bad []\n");
}

TEST_F(ReadIter, AnEntryWithBothReadInterfacesIsReadThroughTheIterator) {
    ASSERT_TRUE(d_.started()) << d_.output();
    RunResult cat = run({"cat", d_.path("kp_iter_both")});
    EXPECT_EQ(cat.status, 0) << cat.err;
    EXPECT_EQ(cat.out, "read_iter\n");
}

} // namespace
} // namespace lkmfs::testing
