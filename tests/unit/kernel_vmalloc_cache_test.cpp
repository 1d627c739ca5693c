// vmalloc, kvmalloc and slab caches (fsd/kernel/vmalloc.cpp, kmem_cache.cpp) against
// Linux 6.1's mm/vmalloc.c, mm/util.c and mm/slab_common.c: sizes beyond kmalloc's limit,
// the kmalloc-then-vmalloc fallback, cache alignment and constructors, and the reports
// for freeing with the wrong function and destroying a cache that still has objects.
#include "kernel/alloc_stats.h"
#include "kernel/kernel.h"
#include "kernel_log_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

namespace lkmfs::kernel {
namespace {

class VmallocCacheTest : public KernelLogTest {
  protected:
    std::string new_log() { return log_since_start(); }

    AllocStats *core_ = kernel_alloc_stats();
    std::size_t objects_before_ = core_->live_objects.load();
};

TEST_F(VmallocCacheTest, VmallocServesSizesBeyondKmallocAndIsPageAligned) {
    std::size_t big = KMALLOC_MAX_SIZE * 4;
    EXPECT_EQ(kmalloc(big, GFP_KERNEL | __GFP_NOWARN), nullptr);
    auto *p = static_cast<unsigned char *>(vzalloc(big));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 4096, 0u);
    EXPECT_EQ(p[0], 0);
    EXPECT_EQ(p[big - 1], 0);
    p[big - 1] = 7;
    EXPECT_TRUE(is_vmalloc_addr(p));
    EXPECT_EQ(core_->live_objects.load(), objects_before_ + 1);
    vfree(p);
    EXPECT_EQ(core_->live_objects.load(), objects_before_);
    vfree(nullptr);
    EXPECT_EQ(new_log(), "");
}

TEST_F(VmallocCacheTest, VmallocOfZeroWarnsAndFails) {
    EXPECT_EQ(vmalloc(0), nullptr);
    EXPECT_THAT(new_log(), ::testing::HasSubstr("WARNING:"));
}

TEST_F(VmallocCacheTest, KvmallocUsesKmallocWhenItCanAndVmallocOtherwise) {
    void *small = kvmalloc(100, GFP_KERNEL);
    void *large = kvzalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL);
    ASSERT_NE(small, nullptr);
    ASSERT_NE(large, nullptr);
    EXPECT_FALSE(is_vmalloc_addr(small));
    EXPECT_TRUE(is_vmalloc_addr(large));
    EXPECT_EQ(ksize(small), 100u);
    // GFP_ATOMIC may not sleep, so it may not fall back to vmalloc.
    EXPECT_EQ(kvmalloc(KMALLOC_MAX_SIZE + 1, GFP_ATOMIC), nullptr);
    kvfree(small);
    kvfree(large);
    kvfree(nullptr);
    EXPECT_EQ(core_->live_objects.load(), objects_before_);
    EXPECT_EQ(new_log(), ""); // no warning for kvmalloc's quiet kmalloc attempt
}

TEST_F(VmallocCacheTest, KvreallocGrowsAndKeepsTheContent) {
    auto *p = static_cast<char *>(kvmalloc(16, GFP_KERNEL));
    std::strcpy(p, "kept");
    auto *q = static_cast<char *>(kvrealloc(p, 16, KMALLOC_MAX_SIZE * 2, GFP_KERNEL));
    ASSERT_NE(q, nullptr);
    EXPECT_STREQ(q, "kept");
    EXPECT_TRUE(is_vmalloc_addr(q));
    EXPECT_EQ(kvrealloc(q, 64, 32, GFP_KERNEL), q); // not smaller: unchanged
    kvfree(q);
    EXPECT_EQ(core_->live_objects.load(), objects_before_);
}

TEST_F(VmallocCacheTest, FreeingWithTheWrongFunctionIsReportedAndNotDone) {
    void *k = kmalloc(32, GFP_KERNEL);
    void *v = vmalloc(32);
    vfree(k);
    kfree(v);
    std::string log = new_log();
    EXPECT_THAT(log, ::testing::HasSubstr("BUG: vfree of"));
    EXPECT_THAT(log, ::testing::HasSubstr("the object was allocated with kmalloc; left allocated"));
    EXPECT_THAT(log, ::testing::HasSubstr("BUG: kfree of"));
    EXPECT_THAT(log, ::testing::HasSubstr("the object was allocated with vmalloc; left allocated"));
    EXPECT_EQ(core_->live_objects.load(), objects_before_ + 2); // both still there
    kfree(k);
    vfree(v);
    EXPECT_EQ(core_->live_objects.load(), objects_before_);
    vfree(v);
    EXPECT_THAT(new_log(), ::testing::HasSubstr("BUG: vfree of"));
    EXPECT_THAT(new_log(), ::testing::HasSubstr("double free"));
}

struct Item {
    long a;
    char name[40];
    int constructed;
};

void construct_item(void *p) {
    static_cast<Item *>(p)->constructed = 42;
}

TEST_F(VmallocCacheTest, ACacheHandsOutAlignedConstructedObjects) {
    kmem_cache *cache =
        kmem_cache_create("test_items", sizeof(Item), 0, SLAB_HWCACHE_ALIGN, construct_item);
    ASSERT_NE(cache, nullptr);
    EXPECT_EQ(kmem_cache_size(cache), sizeof(Item));
    std::vector<Item *> items;
    for (int i = 0; i < 10; ++i) {
        auto *it = static_cast<Item *>(kmem_cache_alloc(cache, GFP_KERNEL));
        ASSERT_NE(it, nullptr);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(it) % 64, 0u); // HWCACHE_ALIGN
        EXPECT_EQ(it->constructed, 42);
        items.push_back(it);
    }
    EXPECT_EQ(core_->live_objects.load(), objects_before_ + 10);
    for (Item *it : items)
        kmem_cache_free(cache, it);
    kmem_cache_destroy(cache);
    kmem_cache_destroy(nullptr);
    EXPECT_EQ(core_->live_objects.load(), objects_before_);
    EXPECT_EQ(new_log(), "");
}

struct Node {
    int key;
    void *next;
};

TEST_F(VmallocCacheTest, KmemCacheMacroAndZalloc) {
    kmem_cache *cache = KMEM_CACHE(Node, 0);
    ASSERT_NE(cache, nullptr);
    auto *n = static_cast<Node *>(kmem_cache_zalloc(cache, GFP_KERNEL));
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->key, 0);
    EXPECT_EQ(n->next, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(n) % alignof(Node), 0u);
    kmem_cache_free(cache, n);
    kmem_cache_destroy(cache);
}

TEST_F(VmallocCacheTest, WrongCacheAndKfreeOfACacheObjectAreReported) {
    kmem_cache *a = kmem_cache_create("cache_a", 24, 0, 0, nullptr);
    kmem_cache *b = kmem_cache_create("cache_b", 24, 0, 0, nullptr);
    void *obj = kmem_cache_alloc(a, GFP_KERNEL);
    kmem_cache_free(b, obj);
    kfree(obj);
    std::string log = new_log();
    EXPECT_THAT(log, ::testing::HasSubstr("BUG: kmem_cache_free of"));
    EXPECT_THAT(log, ::testing::HasSubstr("allocated with kmem_cache_alloc from cache cache_a"));
    EXPECT_THAT(log, ::testing::HasSubstr("BUG: kfree of"));
    kmem_cache_free(a, obj); // the right cache: freed
    EXPECT_EQ(core_->live_objects.load(), objects_before_);
    kmem_cache_destroy(a);
    kmem_cache_destroy(b);
}

TEST_F(VmallocCacheTest, DestroyingACacheWithObjectsWarnsAndKeepsIt) {
    kmem_cache *cache = kmem_cache_create("busy_cache", 16, 0, 0, nullptr);
    void *obj = kmem_cache_alloc(cache, GFP_KERNEL);
    kmem_cache_destroy(cache);
    EXPECT_THAT(new_log(), ::testing::HasSubstr(
                               "kmem_cache_destroy busy_cache: Slab cache still has objects (1)"));
    kmem_cache_free(cache, obj); // the cache is still there to take it back
    EXPECT_EQ(core_->live_objects.load(), objects_before_);
    kmem_cache_destroy(cache);
}

TEST_F(VmallocCacheTest, BadCacheArgumentsFailWithTheKernelsMessage) {
    EXPECT_EQ(kmem_cache_create(nullptr, 16, 0, 0, nullptr), nullptr);
    EXPECT_EQ(kmem_cache_create("zero", 0, 0, 0, nullptr), nullptr);
    EXPECT_EQ(kmem_cache_create("odd_align", 16, 3, 0, nullptr), nullptr);
    EXPECT_THAT(new_log(), ::testing::HasSubstr("kmem_cache_create(zero) failed with error -22"));
}

} // namespace
} // namespace lkmfs::kernel
