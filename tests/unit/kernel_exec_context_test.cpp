// What the simulated kernel knows about the running code (fsd/kernel/exec_context.cpp):
// `current` from a TaskScope (pid, tgid, comm from /proc, uid/gid from the caller), the
// kernel task outside any scope, nesting, thread-locality, signal_pending, and the
// ModuleScope / UserWindowScope bookkeeping.
#include "kernel/exec_context.h"
#include "kernel/loaded_module.h"

#include <gtest/gtest.h>

#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include <linux/cred.h>
#include <linux/sched.h>

namespace lkmfs::kernel {
namespace {

// The kernel's name for a task: /proc/PID/comm without the newline.
std::string comm_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(in, name);
    return name;
}

pid_t thread_id() {
    return static_cast<pid_t>(::syscall(SYS_gettid));
}

void expect_kernel_task(const task_struct *t) {
    EXPECT_EQ(t->pid, 0);
    EXPECT_STREQ(t->comm, "lkmfsd");
    ASSERT_NE(t->cred, nullptr);
    EXPECT_EQ(t->cred->uid.val, 0u);
    EXPECT_EQ(t->cred->euid.val, 0u);
}

TEST(KernelExecContextTest, CurrentOutsideAnyScopeIsTheKernelTask) {
    expect_kernel_task(current);
    EXPECT_EQ(current_uid().val, 0u);
    EXPECT_EQ(signal_pending(current), 0);
    EXPECT_FALSE(exec_context().has_task);
}

TEST(KernelExecContextTest, TaskScopeFillsCurrentFromTheCaller) {
    pid_t pid = getpid();
    {
        TaskScope scope(Caller{pid, 1234, 5678});
        struct task_struct *t = current;
        EXPECT_EQ(t->pid, pid);
        EXPECT_EQ(t->tgid, pid);
        EXPECT_EQ(task_pid_nr(t), pid);
        EXPECT_EQ(task_tgid_nr(t), pid);
        std::string expected = comm_of(pid);
        ASSERT_FALSE(expected.empty());
        EXPECT_EQ(std::string(t->comm), expected.substr(0, TASK_COMM_LEN - 1));
        ASSERT_NE(t->cred, nullptr);
        EXPECT_EQ(t->cred, t->real_cred);
        EXPECT_EQ(t->cred->uid.val, 1234u);
        EXPECT_EQ(t->cred->euid.val, 1234u);
        EXPECT_EQ(t->cred->suid.val, 1234u);
        EXPECT_EQ(t->cred->fsuid.val, 1234u);
        EXPECT_EQ(t->cred->gid.val, 5678u);
        EXPECT_EQ(t->cred->egid.val, 5678u);
        EXPECT_EQ(t->cred->sgid.val, 5678u);
        EXPECT_EQ(t->cred->fsgid.val, 5678u);
        EXPECT_EQ(current_uid().val, 1234u);
        EXPECT_EQ(current_euid().val, 1234u);
        EXPECT_EQ(current_gid().val, 5678u);
        EXPECT_EQ(current_fsgid().val, 5678u);
        char comm[TASK_COMM_LEN];
        get_task_comm(comm, t);
        EXPECT_STREQ(comm, t->comm);
    }
    expect_kernel_task(current);
}

TEST(KernelExecContextTest, TaskScopeForAThreadNamesItsProcess) {
    // A thread of this process, alive for the duration of the check.
    std::mutex mutex;
    std::condition_variable cv;
    pid_t tid = 0;
    bool done = false;
    std::thread worker([&] {
        std::unique_lock lock(mutex);
        tid = thread_id();
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; });
    });
    {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return tid != 0; }));
    }
    {
        TaskScope scope(Caller{tid, 1, 1});
        EXPECT_EQ(current->pid, tid);
        EXPECT_EQ(current->tgid, getpid()); // Tgid from /proc/TID/status
        EXPECT_NE(current->pid, current->tgid);
    }
    {
        std::lock_guard lock(mutex);
        done = true;
    }
    cv.notify_all();
    worker.join();
}

// comm is the task's name as is (what /proc/PID/comm shows). /proc/PID/status escapes it
// ("\\" for a backslash, "\n" for a newline), so it cannot be copied from there verbatim.
TEST(KernelExecContextTest, TaskScopeCommIsTheRawTaskName) {
    std::mutex mutex;
    std::condition_variable cv;
    pid_t tid = 0;
    bool done = false;
    std::thread worker([&] {
        pthread_setname_np(pthread_self(), "ctx\\name");
        std::unique_lock lock(mutex);
        tid = thread_id();
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; });
    });
    {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return tid != 0; }));
    }
    EXPECT_EQ(comm_of(tid), "ctx\\name");
    {
        TaskScope scope(Caller{tid, 1, 1});
        EXPECT_STREQ(current->comm, "ctx\\name");
    }
    {
        std::lock_guard lock(mutex);
        done = true;
    }
    cv.notify_all();
    worker.join();
}

TEST(KernelExecContextTest, TaskScopeForAGoneProcessKeepsDefaults) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0)
        _exit(0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    TaskScope scope(Caller{child, 10, 20});
    EXPECT_EQ(current->pid, child);
    EXPECT_EQ(current->tgid, child);
    EXPECT_STREQ(current->comm, "?");
    EXPECT_EQ(current_uid().val, 10u);
}

TEST(KernelExecContextTest, NestedScopesRestoreTheOuterTask) {
    pid_t pid = getpid();
    TaskSignal outer_signal;
    {
        TaskScope outer(Caller{pid, 100, 200}, &outer_signal);
        const cred *outer_cred = current->cred;
        {
            TaskScope inner(Caller{pid, 300, 400});
            EXPECT_EQ(current_uid().val, 300u);
            EXPECT_EQ(current_gid().val, 400u);
            outer_signal.raise();
            EXPECT_EQ(signal_pending(current), 0); // the inner task has no signal
        }
        EXPECT_EQ(current->pid, pid);
        EXPECT_EQ(current_uid().val, 100u);
        EXPECT_EQ(current_gid().val, 200u);
        EXPECT_EQ(current->cred, outer_cred);
        EXPECT_EQ(current->real_cred, outer_cred);
        EXPECT_EQ(signal_pending(current), 1);
        EXPECT_STREQ(current->comm, comm_of(pid).substr(0, TASK_COMM_LEN - 1).c_str());
    }
    expect_kernel_task(current);
    EXPECT_EQ(signal_pending(current), 0);
}

TEST(KernelExecContextTest, ScopesAreThreadLocal) {
    TaskScope scope(Caller{getpid(), 55, 66});
    UserWindowScope window(nullptr, 0, false);
    std::atomic<bool> checked{false};
    std::thread([&] {
        expect_kernel_task(current);
        EXPECT_FALSE(exec_context().has_task);
        checked = true;
    }).join();
    EXPECT_TRUE(checked);
    EXPECT_EQ(current_uid().val, 55u);
}

TEST(KernelExecContextTest, SignalPending) {
    TaskSignal signal;
    EXPECT_FALSE(signal.pending());
    {
        TaskScope scope(Caller{getpid(), 0, 0}, &signal);
        EXPECT_EQ(signal_pending(current), 0);
        EXPECT_EQ(fatal_signal_pending(current), 0);
        signal.raise();
        EXPECT_TRUE(signal.pending());
        EXPECT_EQ(signal_pending(current), 1);
        EXPECT_EQ(fatal_signal_pending(current), 1);
        // Only `current` is known here: another task_struct is never "signalled".
        task_struct other{};
        EXPECT_EQ(signal_pending(&other), 0);
    }
    EXPECT_EQ(signal_pending(current), 0);
    // A scope without a signal never has one pending.
    TaskScope quiet(Caller{getpid(), 0, 0});
    EXPECT_EQ(signal_pending(current), 0);
}

TEST(KernelExecContextTest, RaiseCallsTheWakerOfASleepingTask) {
    TaskSignal signal;
    int woken = 0;
    signal.set_waker([&] { ++woken; });
    signal.raise();
    EXPECT_EQ(woken, 1);
    EXPECT_TRUE(signal.pending());
    signal.clear_waker();
    signal.raise();
    EXPECT_EQ(woken, 1);
}

TEST(KernelExecContextTest, RaiseFromAnotherThreadWakesASleeper) {
    TaskSignal signal;
    std::mutex mutex;
    std::condition_variable cv;
    signal.set_waker([&] {
        std::lock_guard lock(mutex);
        cv.notify_all();
    });
    std::thread raiser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        signal.raise();
    });
    bool woke = false;
    {
        std::unique_lock lock(mutex);
        woke = cv.wait_for(lock, std::chrono::seconds(5), [&] { return signal.pending(); });
    }
    raiser.join();
    signal.clear_waker();
    EXPECT_TRUE(woke);
}

TEST(KernelExecContextTest, ModuleScopeNests) {
    LoadedModule a("ctx_a", "test", ModuleImage{});
    LoadedModule b("ctx_b", "test", ModuleImage{});
    EXPECT_EQ(exec_context().module, nullptr);
    {
        ModuleScope sa(&a);
        EXPECT_EQ(exec_context().module, &a);
        {
            ModuleScope sb(&b);
            EXPECT_EQ(exec_context().module, &b);
            {
                ModuleScope core(nullptr);
                EXPECT_EQ(exec_context().module, nullptr);
            }
            EXPECT_EQ(exec_context().module, &b);
        }
        EXPECT_EQ(exec_context().module, &a);
    }
    EXPECT_EQ(exec_context().module, nullptr);
}

TEST(KernelExecContextTest, ScopesOfDifferentKindsDoNotDisturbEachOther) {
    LoadedModule m("ctx_mixed", "test", ModuleImage{});
    char buf[8];
    ModuleScope module(&m);
    UserWindowScope window(buf, sizeof buf, true);
    {
        TaskScope task(Caller{getpid(), 1, 2});
        EXPECT_EQ(exec_context().module, &m);
        EXPECT_EQ(exec_context().user.base, reinterpret_cast<unsigned char *>(buf));
        UserWindowScope inner(buf, 4, false);
        EXPECT_EQ(exec_context().user.size, 4u);
        EXPECT_FALSE(exec_context().user.writable);
    }
    // The task scope ended; the module and the window are untouched.
    EXPECT_EQ(exec_context().module, &m);
    EXPECT_EQ(exec_context().user.base, reinterpret_cast<unsigned char *>(buf));
    EXPECT_EQ(exec_context().user.size, sizeof buf);
    EXPECT_TRUE(exec_context().user.writable);
    EXPECT_FALSE(exec_context().has_task);
}

TEST(KernelExecContextTest, UserWindowContains) {
    unsigned char arena[32] = {};
    unsigned char *buf = arena + 8;
    UserWindow w{buf, 16, true};
    EXPECT_TRUE(w.contains(buf, 16));
    EXPECT_TRUE(w.contains(buf + 15, 1));
    EXPECT_TRUE(w.contains(buf + 16, 0));
    EXPECT_FALSE(w.contains(buf + 15, 2));
    EXPECT_FALSE(w.contains(buf + 16, 1));
    EXPECT_FALSE(w.contains(buf - 1, 1));
    EXPECT_FALSE(w.contains(buf, 17));
    EXPECT_FALSE(w.contains(buf + 1, ~std::size_t{0}));
    UserWindow none;
    EXPECT_FALSE(none.contains(buf, 0));
}

} // namespace
} // namespace lkmfs::kernel
