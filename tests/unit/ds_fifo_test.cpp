// <linux/kfifo.h> and <linux/circ_buf.h>: lengths and free space, power-of-two sizes,
// wrap-around of the indices and of the buffer, typed and byte fifos, user copies.
#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>
#include <vector>

#include <linux/circ_buf.h>
#include <linux/kfifo.h>

namespace {

struct Record {
    int id;
    char tag[6];
};

TEST(Kfifo, DefinedFifoCountsElements) {
    DEFINE_KFIFO(fifo, int, 4);
    EXPECT_TRUE(kfifo_initialized(&fifo));
    EXPECT_EQ(kfifo_size(&fifo), 4U);
    EXPECT_EQ(kfifo_esize(&fifo), sizeof(int));
    EXPECT_TRUE(kfifo_is_empty(&fifo));
    EXPECT_EQ(kfifo_avail(&fifo), 4U);
    EXPECT_EQ(kfifo_put(&fifo, 10), 1U);
    EXPECT_EQ(kfifo_put(&fifo, 11), 1U);
    EXPECT_EQ(kfifo_len(&fifo), 2U);
    int values[] = {12, 13, 14};
    EXPECT_EQ(kfifo_in(&fifo, values, 3), 2U); // only two fit
    EXPECT_TRUE(kfifo_is_full(&fifo));
    EXPECT_EQ(kfifo_put(&fifo, 99), 0U);
    int v = 0;
    EXPECT_EQ(kfifo_peek(&fifo, &v), 1U);
    EXPECT_EQ(v, 10);
    kfifo_skip(&fifo);
    EXPECT_EQ(kfifo_get(&fifo, &v), 1U);
    EXPECT_EQ(v, 11);
    int out[4] = {};
    EXPECT_EQ(kfifo_out_peek(&fifo, out, 4), 2U);
    EXPECT_EQ(kfifo_out(&fifo, out, 4), 2U);
    EXPECT_EQ(out[0], 12);
    EXPECT_EQ(out[1], 13);
    EXPECT_EQ(kfifo_get(&fifo, &v), 0U);
    kfifo_put(&fifo, 1);
    kfifo_reset_out(&fifo);
    EXPECT_TRUE(kfifo_is_empty(&fifo));
    kfifo_put(&fifo, 1);
    kfifo_reset(&fifo);
    EXPECT_EQ(kfifo_len(&fifo), 0U);
}

TEST(Kfifo, DeclaredFifoOfStructsNeedsInit) {
    DECLARE_KFIFO(fifo, Record, 8);
    INIT_KFIFO(fifo);
    EXPECT_EQ(kfifo_size(&fifo), 8U);
    Record r{7, "seven"};
    EXPECT_EQ(kfifo_put(&fifo, r), 1U);
    Record got{};
    EXPECT_EQ(kfifo_get(&fifo, &got), 1U);
    EXPECT_EQ(got.id, 7);
    EXPECT_STREQ(got.tag, "seven");
}

TEST(Kfifo, AllocRoundsUpInitRoundsDown) {
    struct kfifo bytes;
    EXPECT_EQ(kfifo_alloc(&bytes, 100, GFP_KERNEL), 0);
    EXPECT_EQ(kfifo_size(&bytes), 128U);
    kfifo_free(&bytes);
    EXPECT_FALSE(kfifo_initialized(&bytes));
    EXPECT_EQ(kfifo_alloc(&bytes, 1, GFP_KERNEL), -EINVAL);

    DECLARE_KFIFO_PTR(ints, int);
    int storage[12];
    EXPECT_EQ(kfifo_init(&ints, storage, sizeof storage), 0);
    EXPECT_EQ(kfifo_size(&ints), 8U);
    EXPECT_EQ(kfifo_init(&ints, storage, sizeof(int)), -EINVAL);
}

TEST(Kfifo, RandomTrafficMatchesADequeAcrossWrapAround) {
    struct kfifo fifo;
    ASSERT_EQ(kfifo_alloc(&fifo, 64, GFP_KERNEL), 0);
    // Start the indices near the top of unsigned int, so they wrap during the test.
    fifo.kfifo_.in = fifo.kfifo_.out = 0xffffff00U;
    std::deque<unsigned char> model;
    std::mt19937 rng(11);
    unsigned char next = 0;
    for (int step = 0; step < 20000; ++step) {
        unsigned int n = static_cast<unsigned int>(rng() % 40);
        if (rng() % 2 == 0) {
            std::vector<unsigned char> chunk(n);
            for (auto &c : chunk)
                c = next++;
            unsigned int added = kfifo_in(&fifo, chunk.data(), n);
            ASSERT_EQ(added, std::min<unsigned int>(n, 64 - static_cast<unsigned>(model.size())));
            model.insert(model.end(), chunk.begin(), chunk.begin() + added);
            next = static_cast<unsigned char>(next - (n - added));
        } else {
            std::vector<unsigned char> chunk(n);
            unsigned int taken = kfifo_out(&fifo, chunk.data(), n);
            ASSERT_EQ(taken, std::min<unsigned int>(n, static_cast<unsigned>(model.size())));
            for (unsigned int i = 0; i < taken; ++i) {
                ASSERT_EQ(chunk[i], model.front());
                model.pop_front();
            }
        }
        ASSERT_EQ(kfifo_len(&fifo), model.size());
        ASSERT_EQ(kfifo_avail(&fifo), 64 - model.size());
    }
    EXPECT_LT(fifo.kfifo_.in, 0xffffff00U); // the index did wrap
    kfifo_free(&fifo);
}

TEST(CircBuf, CountsAndSpaceToTheEnd) {
    constexpr int kSize = 8;
    // head/tail pairs and the expected CNT, SPACE, CNT_TO_END, SPACE_TO_END.
    struct Case {
        int head, tail, cnt, space, cnt_end, space_end;
    } cases[] = {
        {0, 0, 0, 7, 0, 7}, {3, 0, 3, 4, 3, 4}, {7, 0, 7, 0, 7, 0},
        {1, 6, 3, 4, 2, 4}, {6, 2, 4, 3, 4, 2}, {5, 5, 0, 7, 0, 3},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE("head " + std::to_string(c.head) + " tail " + std::to_string(c.tail));
        EXPECT_EQ(CIRC_CNT(c.head, c.tail, kSize), c.cnt);
        EXPECT_EQ(CIRC_SPACE(c.head, c.tail, kSize), c.space);
        EXPECT_EQ(CIRC_CNT_TO_END(c.head, c.tail, kSize), c.cnt_end);
        EXPECT_EQ(CIRC_SPACE_TO_END(c.head, c.tail, kSize), c.space_end);
    }
}

TEST(CircBuf, ProducerConsumerLoopMovesEveryByte) {
    char storage[16];
    circ_buf circ{storage, 0, 0};
    std::string in(1000, '\0'), out;
    for (size_t i = 0; i < in.size(); ++i)
        in[i] = static_cast<char>('a' + i % 26);
    size_t produced = 0;
    while (out.size() < in.size()) {
        int room = CIRC_SPACE_TO_END(circ.head, circ.tail, 16);
        int n = std::min<int>(room, static_cast<int>(in.size() - produced));
        for (int i = 0; i < n; ++i)
            circ.buf[circ.head + i] = in[produced + static_cast<size_t>(i)];
        produced += static_cast<size_t>(n);
        circ.head = (circ.head + n) & 15;
        int avail = CIRC_CNT_TO_END(circ.head, circ.tail, 16);
        out.append(circ.buf + circ.tail, static_cast<size_t>(avail));
        circ.tail = (circ.tail + avail) & 15;
    }
    EXPECT_EQ(out, in);
}

} // namespace
