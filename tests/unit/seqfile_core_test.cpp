// seq_file (fsd/procfs/seq_file.cpp, proc_seq.cpp) against Linux 6.1's fs/seq_file.c
// semantics: restart at 0, replay to any other offset, continue where the last read ended,
// a page-sized buffer that doubles for a record that does not fit, leftovers first, SEQ_SKIP,
// errors, seq_lseek, single_open, seq_list_*, the proc_create_seq/single entries, the
// accounting of the memory, and concurrent readers of one file.
#include "kernel/alloc_stats.h"
#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "procfs/file_ops.h"
#include "procfs/proc_tree.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

namespace lkmfs::procfs {
namespace {

// ---- a record source the tests control -------------------------------------------------

struct Source {
    std::vector<std::string> records;
    int skip_index = -1;  // show() returns SEQ_SKIP for this record
    int error_index = -1; // show() returns -EIO for this record
    int starts = 0, stops = 0, shows = 0;
    std::vector<loff_t> start_positions;
};
Source *g_src = nullptr;

void *src_start(struct seq_file *, loff_t *pos) {
    ++g_src->starts;
    g_src->start_positions.push_back(*pos);
    auto i = static_cast<std::size_t>(*pos);
    return i < g_src->records.size() ? &g_src->records[i] : nullptr;
}
void *src_next(struct seq_file *, void *, loff_t *pos) {
    ++*pos;
    auto i = static_cast<std::size_t>(*pos);
    return i < g_src->records.size() ? &g_src->records[i] : nullptr;
}
void src_stop(struct seq_file *, void *) {
    ++g_src->stops;
}
int src_show(struct seq_file *m, void *v) {
    ++g_src->shows;
    auto *rec = static_cast<std::string *>(v);
    int index = static_cast<int>(rec - g_src->records.data());
    seq_puts(m, rec->c_str());
    if (index == g_src->skip_index)
        return SEQ_SKIP;
    if (index == g_src->error_index)
        return -EIO;
    return 0;
}
const struct seq_operations kSrcOps = {src_start, src_stop, src_next, src_show};

std::string joined(const Source &s, int except = -1) {
    std::string out;
    for (std::size_t i = 0; i < s.records.size(); ++i)
        if (static_cast<int>(i) != except)
            out += s.records[i];
    return out;
}

class SeqFileTest : public ::testing::Test {
  protected:
    SeqFileTest() { g_src = &src_; }
    ~SeqFileTest() override { g_src = nullptr; }

    static kernel::KernelOptions quiet() {
        kernel::KernelOptions o;
        o.console_loglevel = 0;
        return o;
    }
    void numbered(int n, std::size_t width = 0) {
        for (int i = 0; i < n; ++i) {
            std::string line = "record " + std::to_string(i);
            if (width > line.size())
                line.append(width - line.size(), '.');
            src_.records.push_back(line + "\n");
        }
    }
    // One read(2) of `count` bytes at `pos` into a user buffer.
    ssize_t read(std::size_t count, loff_t pos, std::string *out) {
        std::string buf(count, '\0');
        kernel::UserWindowScope window(buf.data(), count, true);
        loff_t p = pos;
        ssize_t n = seq_read(&file_, buf.data(), count, &p);
        if (n > 0) {
            EXPECT_EQ(p, pos + n);
            out->assign(buf.data(), static_cast<std::size_t>(n));
        } else {
            out->clear();
        }
        return n;
    }
    // Reads from `pos` to the end in reads of `count`.
    std::string read_all(std::size_t count, loff_t pos = 0) {
        std::string all, piece;
        while (read(count, pos, &piece) > 0) {
            all += piece;
            pos += static_cast<loff_t>(piece.size());
        }
        return all;
    }
    seq_file *m() { return static_cast<seq_file *>(file_.private_data); }

    Source src_;
    kernel::Kernel kernel_{quiet()};
    kernel::TaskScope task_{kernel::Caller{getpid(), getuid(), getgid()}};
    struct file file_ {};
};

TEST_F(SeqFileTest, WholeReadIsEveryRecordInOrder) {
    numbered(100);
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    EXPECT_EQ(m()->op, &kSrcOps);
    EXPECT_EQ(m()->file, &file_);
    EXPECT_EQ(read_all(1 << 20), joined(src_));
    EXPECT_EQ(src_.starts, src_.stops);
    seq_release(nullptr, &file_);
}

TEST_F(SeqFileTest, AnyReadSizeGivesTheSameBytes) {
    numbered(500, 37);
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    for (std::size_t size : {1UL, 7UL, 38UL, 4095UL, 4096UL, 65536UL})
        EXPECT_EQ(read_all(size), joined(src_)) << "read size " << size;
    seq_release(nullptr, &file_);
}

TEST_F(SeqFileTest, SequentialReadsContinueWithoutReplaying) {
    numbered(1000, 20);
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    std::string all = read_all(100);
    EXPECT_EQ(all, joined(src_));
    // Each record is shown about once (plus at most one per read that did not fit).
    int reads = static_cast<int>(all.size() / 100) + 2;
    EXPECT_LE(src_.shows, 1000 + reads);
    seq_release(nullptr, &file_);
}

TEST_F(SeqFileTest, ReadAtZeroRestartsTheIterator) {
    numbered(50);
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    std::string piece;
    ASSERT_GT(read(30, 0, &piece), 0);
    ASSERT_GT(read(30, 30, &piece), 0);
    src_.start_positions.clear();
    ASSERT_GT(read(10, 0, &piece), 0);
    EXPECT_EQ(piece, joined(src_).substr(0, 10));
    ASSERT_FALSE(src_.start_positions.empty());
    EXPECT_EQ(src_.start_positions.front(), 0);
    seq_release(nullptr, &file_);
}

TEST_F(SeqFileTest, EveryOffsetReplaysToTheRightByte) {
    numbered(40, 13);
    std::string want = joined(src_);
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    std::string piece;
    for (std::size_t off = 0; off <= want.size() + 3; ++off) {
        ssize_t n = read(5, static_cast<loff_t>(off), &piece);
        std::string expect = off < want.size() ? want.substr(off, 5) : "";
        ASSERT_EQ(n, static_cast<ssize_t>(expect.size())) << "offset " << off;
        ASSERT_EQ(piece, expect) << "offset " << off;
    }
    seq_release(nullptr, &file_);
}

TEST_F(SeqFileTest, BufferStartsAtAPageAndDoublesForABigRecord) {
    numbered(3);
    src_.records.insert(src_.records.begin() + 1, std::string(10000, 'x') + "\n");
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    std::string piece;
    ASSERT_GT(read(10, 0, &piece), 0);
    EXPECT_EQ(m()->size, 4096U);
    EXPECT_EQ(read_all(64), joined(src_));
    EXPECT_EQ(m()->size, 16384U); // 4096 -> 8192 -> 16384
    seq_release(nullptr, &file_);
}

TEST_F(SeqFileTest, LeftoverBytesComeBeforeTheNextRecord) {
    src_.records = {"abcdef\n", "ghij\n"};
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    std::string piece;
    ASSERT_EQ(read(3, 0, &piece), 3);
    EXPECT_EQ(piece, "abc");
    EXPECT_EQ(m()->count, 4U); // "def\n" waits in the buffer
    ASSERT_EQ(read(100, 3, &piece), 9);
    EXPECT_EQ(piece, "def\nghij\n");
    EXPECT_EQ(read(100, 12, &piece), 0);
    seq_release(nullptr, &file_);
}

TEST_F(SeqFileTest, SkippedRecordsLeaveNoTrace) {
    numbered(10);
    src_.skip_index = 4;
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    EXPECT_EQ(read_all(7), joined(src_, 4));
    EXPECT_EQ(read_all(4096, 20), joined(src_, 4).substr(20));
    seq_release(nullptr, &file_);
}

TEST_F(SeqFileTest, ShowErrorEndsTheDataAndIsReturnedWhenNothingWasCopied) {
    src_.records = {"one\n", "two\n", "three\n"};
    src_.error_index = 1;
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    std::string piece;
    EXPECT_EQ(read(100, 0, &piece), 4); // "one\n", then two's error stops the read
    EXPECT_EQ(piece, "one\n");
    EXPECT_EQ(read(100, 4, &piece), -EIO);
    seq_release(nullptr, &file_);
}

TEST_F(SeqFileTest, LseekAllowsSetAndCurOnly) {
    numbered(20);
    std::string want = joined(src_);
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    EXPECT_EQ(seq_lseek(&file_, 12, SEEK_SET), 12);
    EXPECT_EQ(file_.f_pos, 12);
    EXPECT_EQ(m()->read_pos, 12);
    EXPECT_EQ(seq_lseek(&file_, 5, SEEK_CUR), 17);
    EXPECT_EQ(seq_lseek(&file_, 0, SEEK_END), -EINVAL);
    EXPECT_EQ(seq_lseek(&file_, -1, SEEK_SET), -EINVAL);
    EXPECT_EQ(seq_lseek(&file_, -100, SEEK_CUR), -EINVAL);
    EXPECT_EQ(file_.f_pos, 17); // failures leave the position alone
    std::string piece;
    ASSERT_GT(read(8, file_.f_pos, &piece), 0);
    EXPECT_EQ(piece, want.substr(17, 8));
    seq_release(nullptr, &file_);
}

TEST_F(SeqFileTest, OutputHelpersMarkOverflowAsLinux) {
    char buf[8];
    seq_file m{};
    m.buf = buf;
    m.size = sizeof buf;
    seq_printf(&m, "%d-%s", 12, "ab");
    EXPECT_EQ(std::string(buf, m.count), "12-ab");
    EXPECT_FALSE(seq_has_overflowed(&m));
    seq_puts(&m, "xyz"); // 5 + 3 == size: does not fit (room for a NUL is kept)
    EXPECT_TRUE(seq_has_overflowed(&m));
    m.count = 0;
    EXPECT_EQ(seq_write(&m, "1234567", 7), 0);
    seq_putc(&m, 'Z'); // the last byte: now full, which is overflow
    EXPECT_TRUE(seq_has_overflowed(&m));
    m.count = 0;
    EXPECT_EQ(seq_write(&m, "12345678", 8), -1);
    EXPECT_TRUE(seq_has_overflowed(&m));
    m.count = 0;
    seq_put_decimal_ull(&m, " ", 42);
    seq_put_decimal_ll(&m, "", -7);
    EXPECT_EQ(std::string(buf, m.count), " 42-7");
    m.count = 0;
    seq_setwidth(&m, 4);
    seq_putc(&m, 'a');
    seq_pad(&m, '\n');
    EXPECT_EQ(std::string(buf, m.count), "a   \n");
}

int hello_show(struct seq_file *m, void *v) {
    EXPECT_EQ(v, SEQ_START_TOKEN);
    seq_printf(m, "hello %s\n", static_cast<const char *>(m->private_));
    return 0;
}

TEST_F(SeqFileTest, SingleOpenShowsOnceAndFreesEverything) {
    kernel::AllocStats *stats = kernel::kernel_alloc_stats();
    std::size_t before = stats->live_bytes.load();
    static char who[] = "world";
    ASSERT_EQ(single_open(&file_, hello_show, who), 0);
    EXPECT_EQ(m()->private_, who);
    EXPECT_EQ(read_all(3), "hello world\n");
    EXPECT_GT(stats->live_bytes.load(), before);
    EXPECT_EQ(single_release(nullptr, &file_), 0);
    EXPECT_EQ(stats->live_bytes.load(), before);

    struct file f2 {};
    ASSERT_EQ(single_open_size(&f2, hello_show, who, 100000), 0);
    EXPECT_EQ(static_cast<seq_file *>(f2.private_data)->size, 100000U);
    single_release(nullptr, &f2);
    EXPECT_EQ(stats->live_bytes.load(), before);
}

TEST_F(SeqFileTest, SeqListWalksAListHead) {
    struct list_head head = {&head, &head};
    struct list_head nodes[3];
    for (auto &n : nodes) { // list_add_tail by hand
        n.prev = head.prev;
        n.next = &head;
        head.prev->next = &n;
        head.prev = &n;
    }
    EXPECT_EQ(seq_list_start(&head, 0), &nodes[0]);
    EXPECT_EQ(seq_list_start(&head, 2), &nodes[2]);
    EXPECT_EQ(seq_list_start(&head, 3), nullptr);
    EXPECT_EQ(seq_list_start_head(&head, 0), &head);
    EXPECT_EQ(seq_list_start_head(&head, 1), &nodes[0]);
    loff_t pos = 0;
    EXPECT_EQ(seq_list_next(&nodes[0], &head, &pos), &nodes[1]);
    EXPECT_EQ(pos, 1);
    EXPECT_EQ(seq_list_next(&nodes[2], &head, &pos), nullptr);
    EXPECT_EQ(pos, 2);
    EXPECT_EQ(seq_list_next(&head, &head, &pos), &nodes[0]); // from the head token
    struct list_head empty = {&empty, &empty};
    EXPECT_EQ(seq_list_start(&empty, 0), nullptr);
}

// ---- the proc entries -----------------------------------------------------------------

int data_show(struct seq_file *m, void *) {
    seq_printf(m, "data=%s\n", static_cast<const char *>(pde_data(file_inode(m->file))));
    return 0;
}
void *one_start(struct seq_file *m, loff_t *pos) {
    // private is the zeroed state of proc_create_seq_private
    EXPECT_NE(m->private_, nullptr);
    return *pos == 0 ? SEQ_START_TOKEN : nullptr;
}
void *one_next(struct seq_file *, void *, loff_t *pos) {
    ++*pos;
    return nullptr;
}
void one_stop(struct seq_file *, void *) {}
int private_show(struct seq_file *m, void *) {
    int *state = static_cast<int *>(m->private_);
    seq_printf(m, "state=%d\n", (*state)++);
    return 0;
}
const struct seq_operations kPrivateOps = {one_start, one_stop, one_next, private_show};

class ProcSeqTest : public SeqFileTest {
  protected:
    std::string read_entry(proc_dir_entry *de, std::size_t chunk) {
        auto entry = kernel_.proc().find(de->ino);
        OpenResult r = open_entry(entry, O_RDONLY);
        EXPECT_EQ(r.err, 0);
        if (r.err != 0)
            return "";
        std::string all;
        std::string buf(chunk, '\0');
        ssize_t n;
        while ((n = read_file(*r.file, buf.data(), chunk, static_cast<loff_t>(all.size()))) > 0)
            all.append(buf.data(), static_cast<std::size_t>(n));
        release_file(r.file);
        return all;
    }
};

TEST_F(ProcSeqTest, ProcCreateSeqServesTheRecords) {
    numbered(300, 50);
    static char data[] = "d";
    proc_dir_entry *de = proc_create_seq_data("ps_list", 0, nullptr, &kSrcOps, data);
    ASSERT_NE(de, nullptr);
    EXPECT_EQ(read_entry(de, 1000), joined(src_));
    EXPECT_EQ(read_entry(de, 1), joined(src_).substr(0, joined(src_).size()));
    remove_proc_entry("ps_list", nullptr);
}

TEST_F(ProcSeqTest, ProcCreateSingleDataPassesTheData) {
    static char data[] = "xyz";
    proc_dir_entry *de = proc_create_single_data("ps_single", 0, nullptr, data_show, data);
    ASSERT_NE(de, nullptr);
    EXPECT_EQ(read_entry(de, 2), "data=xyz\n");
    proc_dir_entry *plain = proc_create_single("ps_single2", 0444, nullptr, data_show);
    ASSERT_NE(plain, nullptr);
    remove_proc_entry("ps_single", nullptr);
    remove_proc_entry("ps_single2", nullptr);
}

TEST_F(ProcSeqTest, ProcCreateSeqPrivateGivesEachOpenFreshState) {
    kernel::AllocStats *stats = kernel::kernel_alloc_stats();
    std::size_t before = stats->live_bytes.load();
    proc_dir_entry *de =
        proc_create_seq_private("ps_priv", 0, nullptr, &kPrivateOps, sizeof(int), nullptr);
    ASSERT_NE(de, nullptr);
    EXPECT_EQ(read_entry(de, 100), "state=0\n");
    EXPECT_EQ(read_entry(de, 100), "state=0\n"); // a new open, a new zeroed state
    EXPECT_EQ(stats->live_bytes.load(), before); // state, seq_file and buffer all freed
    remove_proc_entry("ps_priv", nullptr);
}

TEST_F(SeqFileTest, ConcurrentReadersOfOneFileEachGetTheirBytes) {
    // preads of one open file from several threads: each call has its own position (as
    // vfs_read gives pread a private copy); the seq_file's lock keeps its state whole.
    numbered(2000, 30);
    const std::string want = joined(src_);
    ASSERT_EQ(seq_open(&file_, &kSrcOps), 0);
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            kernel::TaskScope task(kernel::Caller{getpid(), getuid(), getgid()});
            std::mt19937 rng(static_cast<unsigned>(t));
            std::string buf(5000, '\0');
            for (int i = 0; i < 300; ++i) {
                std::size_t off = rng() % want.size();
                std::size_t n = 1 + rng() % buf.size();
                kernel::UserWindowScope window(buf.data(), n, true);
                auto pos = static_cast<loff_t>(off);
                ssize_t got = seq_read(&file_, buf.data(), n, &pos);
                if (got <= 0 || pos != static_cast<loff_t>(off) + got ||
                    buf.compare(0, static_cast<std::size_t>(got), want, off,
                                static_cast<std::size_t>(got)) != 0)
                    ++bad;
            }
        });
    }
    for (auto &th : threads)
        th.join();
    EXPECT_EQ(bad.load(), 0);
    seq_release(nullptr, &file_);
}

} // namespace
} // namespace lkmfs::procfs
