// The data-structure headers used from C (ds_c_api.c), run here.
#include <gtest/gtest.h>

#include "ds_c_api.h"

namespace {

TEST(DsCApi, SeedQueueItemList) {
    EXPECT_EQ(ds_c_seed_list(), 0) << "ds_c_api.c line";
}
TEST(DsCApi, SeedNodeItemRbtree) {
    EXPECT_EQ(ds_c_seed_rbtree(), 0) << "ds_c_api.c line";
}
TEST(DsCApi, ListsHlistsAndHashtables) {
    EXPECT_EQ(ds_c_lists(), 0) << "ds_c_api.c line";
}
TEST(DsCApi, BitsBitmapsLog2Hash) {
    EXPECT_EQ(ds_c_bits(), 0) << "ds_c_api.c line";
}
TEST(DsCApi, KfifoAndCircBuf) {
    EXPECT_EQ(ds_c_fifos(), 0) << "ds_c_api.c line";
}
TEST(DsCApi, KrefAndIdr) {
    EXPECT_EQ(ds_c_kref_idr(), 0) << "ds_c_api.c line";
}

} // namespace
