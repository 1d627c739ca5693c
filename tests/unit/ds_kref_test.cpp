// <linux/kref.h>: the release function runs exactly once, when the last reference goes,
// also with many threads getting and putting at once; misuse is reported and contained.
#include "kernel/kernel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <linux/kernel.h>
#include <linux/kref.h>

namespace {

struct Object {
    struct kref ref;
    std::atomic<int> released{0};
};

void release(struct kref *ref) {
    container_of(ref, Object, ref)->released++;
}

TEST(Kref, ReleaseRunsOnceOnTheLastPut) {
    Object obj;
    kref_init(&obj.ref);
    EXPECT_EQ(kref_read(&obj.ref), 1U);
    kref_get(&obj.ref);
    EXPECT_EQ(kref_get_unless_zero(&obj.ref), 1);
    EXPECT_EQ(kref_read(&obj.ref), 3U);
    EXPECT_EQ(kref_put(&obj.ref, release), 0);
    EXPECT_EQ(kref_put(&obj.ref, release), 0);
    EXPECT_EQ(obj.released, 0);
    EXPECT_EQ(kref_put(&obj.ref, release), 1);
    EXPECT_EQ(obj.released, 1);
    EXPECT_EQ(kref_get_unless_zero(&obj.ref), 0);
}

TEST(Kref, StaticInitialiser) {
    struct kref ref = KREF_INIT(2);
    EXPECT_EQ(kref_read(&ref), 2U);
}

TEST(Kref, ConcurrentGetsAndPutsReleaseExactlyOnce) {
    for (int round = 0; round < 20; ++round) {
        Object obj;
        kref_init(&obj.ref);
        constexpr int kThreads = 8;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            kref_get(&obj.ref); // one reference per thread, taken by the owner
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&obj] {
                for (int i = 0; i < 1000; ++i) {
                    kref_get(&obj.ref);
                    kref_put(&obj.ref, release);
                }
                kref_put(&obj.ref, release);
            });
        }
        for (auto &t : threads)
            t.join();
        EXPECT_EQ(obj.released, 0);
        EXPECT_EQ(kref_put(&obj.ref, release), 1);
        EXPECT_EQ(obj.released, 1);
    }
}

TEST(Kref, PutOnAFreedCountIsReportedAndNeverReleasesAgain) {
    lkmfs::kernel::KernelOptions options;
    options.console_loglevel = 0; // keep the test output clean
    lkmfs::kernel::Kernel kernel(options);
    Object obj;
    kref_init(&obj.ref);
    EXPECT_EQ(kref_put(&obj.ref, release), 1);
    EXPECT_EQ(kref_put(&obj.ref, release), 0); // underflow: warned, saturated
    EXPECT_EQ(kref_put(&obj.ref, release), 0);
    kref_get(&obj.ref);
    EXPECT_EQ(obj.released, 1);
    EXPECT_LT(static_cast<int>(kref_read(&obj.ref)), 0);
    std::vector<std::string> texts;
    for (const auto &record : kernel.log().snapshot())
        texts.push_back(record.text);
    ASSERT_GE(texts.size(), 1U);
    EXPECT_EQ(texts[0], "refcount_t: underflow; use-after-free.");
}

} // namespace
