// The server's worker threads: bounded, reaped, and all joined on stop.
#include "control/thread_group.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace lkmfs::control {
namespace {

using namespace std::chrono_literals;

// A gate the test opens to let blocked work finish.
class Gate {
  public:
    void wait() {
        std::unique_lock lock(mutex_);
        opened_.wait(lock, [&] { return open_; });
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        opened_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable opened_;
    bool open_ = false;
};

TEST(ControlThreadGroupTest, RefusesBeyondItsLimitUntilThreadsFinish) {
    ThreadGroup group(2);
    Gate gate;
    std::atomic<int> done{0};
    auto blocked = [&] {
        gate.wait();
        ++done;
    };
    EXPECT_TRUE(group.spawn(blocked));
    EXPECT_TRUE(group.spawn(blocked));
    EXPECT_FALSE(group.spawn(blocked));
    gate.open();
    // Finished threads are reaped when the next one is asked for.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    bool spawned = false;
    while (!spawned && std::chrono::steady_clock::now() < deadline) {
        spawned = group.spawn([&] { ++done; });
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_TRUE(spawned);
    group.join_all();
    EXPECT_EQ(done, 3);
}

TEST(ControlThreadGroupTest, JoinAllWaitsForEveryThread) {
    ThreadGroup group(8);
    std::atomic<int> done{0};
    for (int i = 0; i < 8; ++i)
        ASSERT_TRUE(group.spawn([&] {
            std::this_thread::sleep_for(20ms);
            ++done;
        }));
    group.join_all();
    EXPECT_EQ(done, 8);
}

TEST(ControlThreadGroupTest, EscapingExceptionDoesNotTerminate) {
    ThreadGroup group(1);
    EXPECT_TRUE(group.spawn([] { throw std::runtime_error("boom"); }));
    group.join_all();
    std::atomic<bool> ran{false};
    EXPECT_TRUE(group.spawn([&] { ran = true; }));
    group.join_all();
    EXPECT_TRUE(ran);
}

} // namespace
} // namespace lkmfs::control
