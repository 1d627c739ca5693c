// The reference model states the contract; these check it against the contract's own
// words (issue 5), so that the differential test compares the shim with the right thing.
#include "model.h"

#include <seekmark.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <climits>

namespace seekmark::test {
namespace {

class ModelTest : public ::testing::Test {
  protected:
    // Applies "name args..." in p and returns the part after the operation.
    std::string op(Process &in, const std::string &name, std::vector<long> args) {
        const Op o{name, std::move(args), {}};
        const std::string line = model.apply(in, o);
        return line.substr(op_text(o).size() + 1);
    }
    std::string seek(Process &in, long fd, long off, long whence) {
        return op(in, "lseek", {fd, off, whence});
    }

    Model model{{0, 1000, 10000}};
    Process p = model.new_process();
};

TEST_F(ModelTest, BadDescriptorComesFirst) {
    EXPECT_EQ(seek(p, 42, 0, SEEK_BOOKMARK), "! EBADF");
    EXPECT_EQ(seek(p, 42, 0, 0x400), "! EBADF");
    EXPECT_EQ(seek(p, -1, 0, SEEK_SET), "! EBADF");
}

TEST_F(ModelTest, UnknownReferenceOrFlagIsEinval) {
    ASSERT_EQ(op(p, "open", {1}), "= 3");
    EXPECT_EQ(seek(p, 3, 0, 6), "! EINVAL");
    EXPECT_EQ(seek(p, 3, 0, 0x400 | SEEK_SET), "! EINVAL");
    EXPECT_EQ(seek(p, 3, 0, INT_MIN | SEEK_PUSH), "! EINVAL");
}

TEST_F(ModelTest, EmptyStackIsEinvalAndChangesNothing) {
    ASSERT_EQ(op(p, "open", {1}), "= 3");
    ASSERT_EQ(seek(p, 3, 7, SEEK_SET), "= 7");
    EXPECT_EQ(seek(p, 3, 0, SEEK_BOOKMARK), "! EINVAL");
    EXPECT_EQ(seek(p, 3, 100, SEEK_SET | SEEK_POP), "! EINVAL");
    EXPECT_EQ(seek(p, 3, 0, SEEK_CUR), "= 7");
}

TEST_F(ModelTest, PushSavesThePositionBeforeTheCall) {
    ASSERT_EQ(op(p, "open", {2}), "= 3");
    ASSERT_EQ(seek(p, 3, 10, SEEK_SET), "= 10");
    EXPECT_EQ(seek(p, 3, 500, SEEK_SET | SEEK_PUSH), "= 500");
    EXPECT_EQ(seek(p, 3, 5, SEEK_BOOKMARK), "= 15");
    EXPECT_EQ(seek(p, 3, 0, SEEK_BOOKMARK | SEEK_POP), "= 10");
    EXPECT_EQ(seek(p, 3, 0, SEEK_BOOKMARK), "! EINVAL");
}

TEST_F(ModelTest, PushPopBookmarkSwapsPositionAndTop) {
    ASSERT_EQ(op(p, "open", {2}), "= 3");
    ASSERT_EQ(seek(p, 3, 100, SEEK_SET | SEEK_PUSH), "= 100");               // stack [0]
    EXPECT_EQ(seek(p, 3, 0, SEEK_BOOKMARK | SEEK_PUSH | SEEK_POP), "= 0");   // stack [100]
    EXPECT_EQ(seek(p, 3, 0, SEEK_BOOKMARK | SEEK_PUSH | SEEK_POP), "= 100"); // stack [0]
    EXPECT_EQ(seek(p, 3, 0, SEEK_BOOKMARK), "= 0");
}

TEST_F(ModelTest, ErrorsChangeNothing) {
    ASSERT_EQ(op(p, "open", {1}), "= 3");
    ASSERT_EQ(seek(p, 3, 20, SEEK_SET | SEEK_PUSH), "= 20"); // stack [0]
    EXPECT_EQ(seek(p, 3, -1, SEEK_SET | SEEK_PUSH), "! EINVAL");
    EXPECT_EQ(seek(p, 3, -1, SEEK_BOOKMARK | SEEK_POP), "! EINVAL");
    EXPECT_EQ(seek(p, 3, LONG_MIN, SEEK_BOOKMARK), "! EINVAL");
    EXPECT_EQ(seek(p, 3, 2000, SEEK_DATA | SEEK_PUSH), "! ENXIO");
    EXPECT_EQ(seek(p, 3, 0, SEEK_BOOKMARK | SEEK_POP), "= 0");
}

TEST_F(ModelTest, BookmarkOffsetOverflowIsEinval) {
    ASSERT_EQ(op(p, "open", {1}), "= 3");
    ASSERT_EQ(seek(p, 3, 5, SEEK_SET), "= 5");
    ASSERT_EQ(seek(p, 3, 0, SEEK_CUR | SEEK_PUSH), "= 5");
    EXPECT_EQ(seek(p, 3, LONG_MAX, SEEK_BOOKMARK), "! EINVAL");
    EXPECT_EQ(seek(p, 3, -6, SEEK_BOOKMARK), "! EINVAL");
    EXPECT_EQ(seek(p, 3, -5, SEEK_BOOKMARK), "= 0");
}

TEST_F(ModelTest, PipesHaveNoBookmarks) {
    ASSERT_EQ(op(p, "pipe", {}), "= 3 4");
    EXPECT_EQ(seek(p, 3, 0, SEEK_CUR), "! ESPIPE");
    EXPECT_EQ(seek(p, 3, 0, SEEK_BOOKMARK), "! EINVAL");
    EXPECT_EQ(seek(p, 3, 0, SEEK_CUR | SEEK_PUSH), "! ESPIPE");
}

TEST_F(ModelTest, StackLimitIsEnomemAndPopPushStillWorks) {
    ASSERT_EQ(op(p, "open", {1}), "= 3");
    EXPECT_EQ(op(p, "pushn", {3, 1030}), "= 1024 ENOMEM");
    EXPECT_EQ(seek(p, 3, 0, SEEK_CUR | SEEK_PUSH | SEEK_POP), "= 0");
    EXPECT_EQ(seek(p, 3, 0, SEEK_CUR | SEEK_POP), "= 0");
    EXPECT_EQ(seek(p, 3, 0, SEEK_CUR | SEEK_PUSH), "= 0");
}

TEST_F(ModelTest, DupsAndForkShareSeparateOpensDoNot) {
    ASSERT_EQ(op(p, "open", {1}), "= 3");
    ASSERT_EQ(op(p, "open", {1}), "= 4");
    ASSERT_EQ(op(p, "dup", {3}), "= 5");
    ASSERT_EQ(seek(p, 3, 9, SEEK_SET | SEEK_PUSH), "= 9");
    EXPECT_EQ(seek(p, 5, 1, SEEK_BOOKMARK), "= 1");
    EXPECT_EQ(seek(p, 4, 0, SEEK_BOOKMARK), "! EINVAL");
    Process child = p;
    EXPECT_EQ(seek(child, 3, 0, SEEK_BOOKMARK | SEEK_POP), "= 0");
    EXPECT_EQ(seek(p, 5, 0, SEEK_BOOKMARK), "! EINVAL");
}

TEST_F(ModelTest, ClosedDescriptionTakesItsStack) {
    ASSERT_EQ(op(p, "open", {1}), "= 3");
    ASSERT_EQ(seek(p, 3, 9, SEEK_SET | SEEK_PUSH), "= 9");
    ASSERT_EQ(op(p, "close", {3}), "= 0");
    ASSERT_EQ(op(p, "fopen", {1, 0}), "= 3");
    EXPECT_EQ(seek(p, 3, 0, SEEK_BOOKMARK), "! EINVAL");
}

TEST_F(ModelTest, StreamsTellFromTheirCachedOffset) {
    ASSERT_EQ(op(p, "fopen", {1, 0}), "= 3");
    ASSERT_EQ(seek(p, 3, 50, SEEK_SET), "= 50");
    EXPECT_EQ(op(p, "ftell", {0}), "= 50"); // nothing cached yet
    ASSERT_EQ(op(p, "fseek", {0, 100, SEEK_SET}), "= 0");
    ASSERT_EQ(seek(p, 3, 300, SEEK_SET), "= 300");
    EXPECT_EQ(op(p, "ftell", {0}), "= 100");
    EXPECT_EQ(op(p, "fseek", {0, 0, SEEK_CUR | SEEK_PUSH}), "= 0"); // pushes 100
    EXPECT_EQ(op(p, "fseek", {0, 0, SEEK_DATA | SEEK_PUSH}), "! EINVAL");
    ASSERT_EQ(op(p, "fseek", {0, 7, SEEK_SET}), "= 0");
    EXPECT_EQ(op(p, "fseek", {0, 0, SEEK_BOOKMARK | SEEK_POP}), "= 0");
    EXPECT_EQ(op(p, "ftell", {0}), "= 100");
    EXPECT_EQ(seek(p, 3, 0, SEEK_CUR), "= 100");
}

} // namespace
} // namespace seekmark::test
