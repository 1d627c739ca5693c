// <linux/idr.h>: lowest-free allocation in a range, lookup, replace, removal and reuse,
// cyclic allocation, iteration (NULL entries reserve an id but are skipped), and the ida.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include <linux/idr.h>

namespace {

class IdrTest : public ::testing::Test {
  protected:
    void SetUp() override { idr_init(&idr); }
    void TearDown() override { idr_destroy(&idr); }
    struct idr idr;
    int objects[10] = {};
};

TEST_F(IdrTest, AllocatesTheLowestFreeIdInTheRange) {
    EXPECT_TRUE(idr_is_empty(&idr));
    EXPECT_EQ(idr_alloc(&idr, &objects[0], 0, 0, GFP_KERNEL), 0);
    EXPECT_EQ(idr_alloc(&idr, &objects[1], 0, 0, GFP_KERNEL), 1);
    EXPECT_EQ(idr_alloc(&idr, &objects[2], 10, 0, GFP_KERNEL), 10);
    EXPECT_EQ(idr_alloc(&idr, &objects[3], 0, 0, GFP_KERNEL), 2);
    EXPECT_EQ(idr_alloc(&idr, &objects[4], 10, 12, GFP_KERNEL), 11);
    EXPECT_EQ(idr_alloc(&idr, &objects[5], 10, 12, GFP_KERNEL), -ENOSPC);
    EXPECT_EQ(idr_alloc(&idr, &objects[5], -1, 0, GFP_KERNEL), -EINVAL);
    EXPECT_EQ(idr_alloc(&idr, &objects[5], 5, 5, GFP_KERNEL), -ENOSPC);
    EXPECT_FALSE(idr_is_empty(&idr));

    EXPECT_EQ(idr_find(&idr, 10), &objects[2]);
    EXPECT_EQ(idr_find(&idr, 3), nullptr);
    EXPECT_EQ(idr_remove(&idr, 1), &objects[1]);
    EXPECT_EQ(idr_remove(&idr, 1), nullptr);
    EXPECT_EQ(idr_alloc(&idr, &objects[6], 0, 0, GFP_KERNEL), 1); // reused
    EXPECT_EQ(idr_alloc(&idr, nullptr, 0, 0, GFP_KERNEL), 3);     // reserved
    EXPECT_EQ(idr_find(&idr, 3), nullptr);
    EXPECT_EQ(idr_alloc(&idr, &objects[7], 0, 0, GFP_KERNEL), 4);
}

TEST_F(IdrTest, ReplaceAndIterateSkipNullEntries) {
    idr_alloc(&idr, &objects[0], 0, 0, GFP_KERNEL);
    idr_alloc(&idr, nullptr, 0, 0, GFP_KERNEL);
    idr_alloc(&idr, &objects[2], 0, 0, GFP_KERNEL);
    EXPECT_EQ(idr_replace(&idr, &objects[9], 2), &objects[2]);
    EXPECT_EQ(idr_replace(&idr, &objects[9], 7), ERR_PTR(-ENOENT));
    EXPECT_EQ(idr_replace(&idr, &objects[1], 1), nullptr); // the reserved one

    std::vector<int> ids;
    int *entry;
    int id;
    idr_for_each_entry(&idr, entry, id) ids.push_back(id);
    EXPECT_EQ(ids, (std::vector<int>{0, 1, 2}));

    idr_replace(&idr, nullptr, 1);
    std::map<int, void *> seen;
    int ret = idr_for_each(
        &idr,
        [](int each, void *p, void *data) {
            (*static_cast<std::map<int, void *> *>(data))[each] = p;
            return 0;
        },
        &seen);
    EXPECT_EQ(ret, 0);
    EXPECT_EQ(seen, (std::map<int, void *>{{0, &objects[0]}, {2, &objects[9]}}));
    EXPECT_EQ(idr_for_each(
                  &idr, [](int, void *, void *) { return 42; }, nullptr),
              42);

    unsigned long ul = 1;
    EXPECT_EQ(idr_get_next_ul(&idr, &ul), &objects[9]);
    EXPECT_EQ(ul, 2UL);
    int next = 3;
    EXPECT_EQ(idr_get_next(&idr, &next), nullptr);

    unsigned long tmp, uid;
    ids.clear();
    idr_for_each_entry_ul(&idr, entry, tmp, uid) ids.push_back(static_cast<int>(uid));
    EXPECT_EQ(ids, (std::vector<int>{0, 2}));
    id = 1;
    ids.clear();
    idr_for_each_entry_continue(&idr, entry, id) ids.push_back(id);
    EXPECT_EQ(ids, (std::vector<int>{2}));
}

TEST_F(IdrTest, CyclicAllocationWrapsAround) {
    EXPECT_EQ(idr_alloc_cyclic(&idr, &objects[0], 1, 4, GFP_KERNEL), 1);
    EXPECT_EQ(idr_alloc_cyclic(&idr, &objects[1], 1, 4, GFP_KERNEL), 2);
    idr_remove(&idr, 1);
    EXPECT_EQ(idr_alloc_cyclic(&idr, &objects[2], 1, 4, GFP_KERNEL), 3);
    EXPECT_EQ(idr_alloc_cyclic(&idr, &objects[3], 1, 4, GFP_KERNEL), 1); // wrapped
    EXPECT_EQ(idr_alloc_cyclic(&idr, &objects[4], 1, 4, GFP_KERNEL), -ENOSPC);
    EXPECT_EQ(idr_get_cursor(&idr), 2U);
}

TEST(Idr, BaseAndU32Allocation) {
    DEFINE_IDR(based);
    idr_init_base(&based, 1);
    int x = 0;
    EXPECT_EQ(idr_alloc(&based, &x, 0, 0, GFP_KERNEL), 1);
    u32 next = 0;
    EXPECT_EQ(idr_alloc_u32(&based, &x, &next, 5, GFP_KERNEL), 0);
    EXPECT_EQ(next, 2U);
    next = 7;
    EXPECT_EQ(idr_alloc_u32(&based, &x, &next, 6, GFP_KERNEL), -ENOSPC);
    idr_destroy(&based);
    EXPECT_TRUE(idr_is_empty(&based));
}

TEST(Idr, RandomAllocFreeMatchesAModel) {
    struct idr idr;
    idr_init(&idr);
    std::mt19937 rng(99);
    std::map<int, void *> model;
    std::vector<int> storage(1);
    for (int step = 0; step < 5000; ++step) {
        if (model.empty() || rng() % 3 != 0) {
            int start = static_cast<int>(rng() % 64);
            int id = idr_alloc(&idr, &storage[0], start, 0, GFP_KERNEL);
            int want = start;
            while (model.count(want))
                ++want;
            ASSERT_EQ(id, want) << "step " << step;
            model[id] = &storage[0];
        } else {
            auto it = model.begin();
            std::advance(it, static_cast<long>(rng() % model.size()));
            ASSERT_EQ(idr_remove(&idr, static_cast<unsigned long>(it->first)), it->second);
            model.erase(it);
        }
    }
    idr_destroy(&idr);
}

TEST(Ida, AllocatesAndFreesIds) {
    DEFINE_IDA(ida);
    EXPECT_TRUE(ida_is_empty(&ida));
    EXPECT_EQ(ida_alloc(&ida, GFP_KERNEL), 0);
    EXPECT_EQ(ida_alloc(&ida, GFP_KERNEL), 1);
    EXPECT_EQ(ida_alloc_min(&ida, 5, GFP_KERNEL), 5);
    EXPECT_EQ(ida_alloc_max(&ida, 1, GFP_KERNEL), -ENOSPC);
    EXPECT_EQ(ida_alloc_range(&ida, 5, 6, GFP_KERNEL), 6);
    EXPECT_EQ(ida_simple_get(&ida, 5, 7, GFP_KERNEL), -ENOSPC);
    ida_free(&ida, 0);
    EXPECT_EQ(ida_alloc(&ida, GFP_KERNEL), 0);
    ida_simple_remove(&ida, 5);
    EXPECT_EQ(ida_simple_get(&ida, 5, 0, GFP_KERNEL), 5);
    ida_destroy(&ida);
    EXPECT_TRUE(ida_is_empty(&ida));
}

} // namespace
