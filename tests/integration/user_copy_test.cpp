// User copies as a handler sees them: copy_to_user, copy_from_user, get_user, put_user,
// clear_user, strncpy_from_user, simple_read_from_buffer, simple_write_to_buffer and
// access_ok, aimed by tests/modules/ku_copy at ranges inside, partly outside and fully
// outside the caller's buffer. Return values count the bytes NOT copied, as Linux's; what
// fits is copied; nothing outside the request is touched. ku_copy logs the return values
// ("ku_copy: ENTRY name=value ...") and the test checks them and the bytes that arrived.
#include "file_io.h"
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

namespace lkmfs::testing {
namespace {

class UserCopy : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        daemon_ = new Daemon(
            {.config = "modules:\n  load:\n    - " + BuildTree::test_module("ku_copy") + "\n"});
        // The socket may answer before the configured modules are loaded.
        wait_for([] { return access(daemon_->path("ku_swb").c_str(), F_OK) == 0; });
    }
    static void TearDownTestSuite() {
        delete daemon_;
        daemon_ = nullptr;
    }
    void SetUp() override {
        ASSERT_TRUE(d().started()) << d().output();
        ASSERT_EQ(run({"stat", d().path("ku_to_inside")}).status, 0) << "ku_copy is not loaded";
    }

    static const Daemon &d() { return *daemon_; }
    static std::string entry(const std::string &name) { return d().path(name); }

    // What ku_copy logged last for `name` (its values, after "ku_copy: NAME ").
    static std::string logged(const std::string &name) {
        std::string prefix = "ku_copy: " + name + " ";
        std::string line = last_line_with(d().lkmctl({"dmesg"}).out, prefix);
        auto at = line.find(prefix);
        return at == std::string::npos ? "" : line.substr(at + prefix.size());
    }

    static IoResult read_entry(const std::string &name, std::size_t count, off_t offset = 0) {
        IoResult r = read_at(entry(name), count, offset);
        EXPECT_FALSE(r.timed_out);
        EXPECT_TRUE(r.opened) << name << ": " << std::strerror(r.err);
        return r;
    }
    static IoResult write_entry(const std::string &name, std::string_view data, off_t offset = 0) {
        IoResult r = write_at(entry(name), data, offset);
        EXPECT_FALSE(r.timed_out);
        EXPECT_TRUE(r.opened) << name << ": " << std::strerror(r.err);
        return r;
    }

  private:
    static Daemon *daemon_;
};

Daemon *UserCopy::daemon_ = nullptr;

using namespace std::string_literals;

// ---- copies into the caller's buffer (read handlers) ------------------------------------------

TEST_F(UserCopy, CopyToUserInsideCopiesEverything) {
    IoResult r = read_entry("ku_to_inside", 16);
    EXPECT_EQ(r.ret, 16);
    EXPECT_EQ(r.data, "ABCDEFGHIJKLMNOP");
    EXPECT_EQ(logged("ku_to_inside"), "count=16 ret=0");
}

TEST_F(UserCopy, CopyToUserPastTheEndDeliversOnlyTheRequestAndReportsTheRest) {
    // dd asks for 8 bytes; the handler copies 16: 8 arrive, copy_to_user returns 8.
    RunResult dd = run({"dd", "if=" + entry("ku_to_over"), "bs=8", "count=1", "status=none"});
    EXPECT_EQ(dd.status, 0) << dd.err;
    EXPECT_EQ(dd.out, "ABCDEFGH");
    EXPECT_EQ(logged("ku_to_over"), "count=8 ret=8");

    IoResult r = read_entry("ku_to_over", 5);
    EXPECT_EQ(r.ret, 5);
    EXPECT_EQ(r.data, "ABCDE");
    EXPECT_EQ(logged("ku_to_over"), "count=5 ret=8");
}

TEST_F(UserCopy, CopyToUserPartlyOutsideCopiesTheHeadThatFits) {
    IoResult r = read_entry("ku_to_tail", 12);
    EXPECT_EQ(r.ret, 12);
    EXPECT_EQ(r.data, "........ABCD");
    EXPECT_EQ(logged("ku_to_tail"), "count=12 ret=4");
}

TEST_F(UserCopy, CopyToUserFullyOutsideCopiesNothing) {
    IoResult r = read_entry("ku_to_outside", 8);
    EXPECT_EQ(r.ret, 8);
    EXPECT_EQ(r.data, "oooooooo");
    // Starting before the buffer faults at the first byte: nothing is copied at all.
    EXPECT_EQ(logged("ku_to_outside"), "after=4 before=4 straddling=8");
}

TEST_F(UserCopy, ClearUserZeroesWhatFits) {
    IoResult r = read_entry("ku_clear", 10);
    EXPECT_EQ(r.ret, 10);
    EXPECT_EQ(r.data, "xxxxx\0\0\0\0\0"s);
    EXPECT_EQ(logged("ku_clear"), "count=10 half=5 after=4");
}

TEST_F(UserCopy, PutUserInsideStoresAndOutsideFaults) {
    IoResult r = read_entry("ku_put", 8);
    EXPECT_EQ(r.ret, 8);
    EXPECT_EQ(logged("ku_put"), "inside=0 straddling=-14 after=-14");
    EXPECT_EQ(r.data.substr(0, 4), "ABCD");
    // A put_user is one store: when it faults, none of its bytes are written.
    EXPECT_EQ(r.data.substr(4), "....") << "a faulting put_user wrote part of its value";
}

TEST_F(UserCopy, AccessOkAcceptsOnlyTheCallersBuffer) {
    IoResult r = read_entry("ku_access", 8);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(logged("ku_access"), "inside=1 empty=1 over=0 after=0 kernel=0");
}

// ---- copies from the caller's buffer (write handlers) -----------------------------------------

TEST_F(UserCopy, CopyFromUserCopiesWhatFitsAndZeroesTheRest) {
    IoResult r = write_entry("ku_from", "hello");
    EXPECT_EQ(r.ret, 5);
    EXPECT_EQ(logged("ku_from"),
              "count=5 over=8 tail_zeroed=1 after=4 before=4 inside=0 data=[hello]");

    RunResult echo = sh("printf 'seed words' > " + entry("ku_from"));
    EXPECT_EQ(echo.status, 0) << echo.err;
    EXPECT_EQ(logged("ku_from"),
              "count=10 over=8 tail_zeroed=1 after=4 before=4 inside=0 data=[seed words]");
}

TEST_F(UserCopy, GetUserReadsInsideAndZeroesOnAFault) {
    IoResult r = write_entry("ku_get", "ABCDEF");
    EXPECT_EQ(r.ret, 6);
    EXPECT_EQ(logged("ku_get"), "inside=0 v=0x44434241 straddling=-14 v=0 after=-14 c=0");
}

TEST_F(UserCopy, StrncpyFromUserStopsAtTheNulOrTheCount) {
    IoResult r = write_entry("ku_strncpy", "hello\0world"s);
    EXPECT_EQ(r.ret, 11);
    std::string log = d().lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(log, "ku_copy: ku_strncpy whole=5 str=[hello]"));
    EXPECT_EQ(logged("ku_strncpy"), "short=2 first=[he] after=-14");

    // No NUL within the request: the string runs into memory the request does not cover.
    r = write_entry("ku_strncpy", "abc");
    EXPECT_EQ(r.ret, 3);
    log = d().lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(last_line_with(log, "ku_copy: ku_strncpy whole="), "whole=-14 str=[]"));
    EXPECT_EQ(logged("ku_strncpy"), "short=2 first=[ab] after=-14");
}

// ---- simple_read_from_buffer / simple_write_to_buffer: a 16-byte file -------------------------

TEST_F(UserCopy, SimpleBufferHelpersClampToTheBufferAndMoveThePosition) {
    IoResult w = write_entry("ku_swb", "0123456789abcdefghij");
    EXPECT_EQ(w.ret, 16) << "a write is clamped to the buffer";
    EXPECT_EQ(logged("ku_swb"), "pos=0 count=20 ret=16");

    EXPECT_EQ(read_entry("ku_swb", 4).data, "0123");
    EXPECT_EQ(read_entry("ku_swb", 8, 12).data, "cdef");
    IoResult at_end = read_entry("ku_swb", 8, 16);
    EXPECT_EQ(at_end.ret, 0);
    IoResult beyond = read_entry("ku_swb", 8, 100);
    EXPECT_EQ(beyond.ret, 0);

    IoResult past = write_entry("ku_swb", "x", 20);
    EXPECT_EQ(past.ret, 0);
    EXPECT_EQ(logged("ku_swb"), "pos=20 count=1 ret=0");
    IoResult straddling = write_entry("ku_swb", "XYZ", 14);
    EXPECT_EQ(straddling.ret, 2);
    EXPECT_EQ(logged("ku_swb"), "pos=14 count=3 ret=2");
    EXPECT_EQ(read_entry("ku_swb", 64).data, "0123456789abcdXY");
    EXPECT_EQ(run({"cat", entry("ku_swb")}).out, "0123456789abcdXY");
}

} // namespace
} // namespace lkmfs::testing
