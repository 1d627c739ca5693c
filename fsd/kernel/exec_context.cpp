#include "exec_context.h"
#include "watchdog.h"

#include <linux/wait.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string_view>

namespace lkmfs::kernel {

namespace {

// Fills comm and tgid from /proc/PID/status in one read. A process that already exited
// keeps the defaults: its name is unknown, and its tgid is taken to be its pid.
void read_task_identity(pid_t pid, task_struct *task) {
    task->tgid = pid;
    std::strncpy(task->comm, "?", sizeof task->comm);
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[1024];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0)
        return;
    std::string_view status(buf, static_cast<std::size_t>(n));
    auto field = [&](std::string_view key) -> std::string_view {
        auto at = status.find(key);
        if (at == std::string_view::npos)
            return {};
        auto value = status.substr(at + key.size());
        value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
        return value.substr(0, value.find('\n'));
    };
    // status escapes the two bytes "\n" and "\\" of the name (proc_task_name()).
    std::string_view raw = field("Name:");
    std::string name;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == 'n' || raw[i + 1] == '\\')) {
            name += raw[i + 1] == 'n' ? '\n' : '\\';
            ++i;
        } else {
            name += raw[i];
        }
    }
    std::size_t len = std::min(name.size(), sizeof task->comm - 1);
    std::memcpy(task->comm, name.data(), len);
    task->comm[len] = '\0';
    std::string_view tgid = field("\nTgid:");
    if (!tgid.empty())
        task->tgid = static_cast<pid_t>(std::strtol(std::string(tgid).c_str(), nullptr, 10));
}

task_struct kernel_task() {
    task_struct t{};
    std::strncpy(t.comm, "lkmfsd", sizeof t.comm);
    return t;
}

} // namespace

bool UserWindow::contains(const void *p, std::size_t n) const {
    auto addr = reinterpret_cast<std::uintptr_t>(p);
    std::uintptr_t start = user_start();
    return base != nullptr && addr >= start && n <= size && addr - start <= size - n;
}

std::size_t UserWindow::reachable(const void *p, std::size_t n, unsigned char **kernel) const {
    auto addr = reinterpret_cast<std::uintptr_t>(p);
    std::uintptr_t start = user_start();
    if (base == nullptr || addr < start || addr - start >= size)
        return 0;
    std::size_t offset = addr - start;
    *kernel = base + offset;
    return n < size - offset ? n : size - offset;
}

void TaskSignal::raise() {
    pending_.store(true, std::memory_order_release);
    std::lock_guard lock(mutex_);
    if (waker_)
        waker_();
}

void TaskSignal::set_waker(std::function<void()> waker) {
    std::lock_guard lock(mutex_);
    waker_ = std::move(waker);
}

void TaskSignal::clear_waker() {
    std::lock_guard lock(mutex_);
    waker_ = nullptr;
}

ExecContext &exec_context() {
    thread_local ExecContext context;
    return context;
}

TaskScope::TaskScope(const Caller &caller, TaskSignal *signal) : saved_(exec_context()) {
    ExecContext &ctx = exec_context();
    ctx.task = task_struct{};
    ctx.task.pid = caller.pid;
    read_task_identity(caller.pid, &ctx.task);
    ctx.task_cred = cred{};
    ctx.task_cred.uid = ctx.task_cred.suid = ctx.task_cred.euid = ctx.task_cred.fsuid =
        kuid_t{caller.uid};
    ctx.task_cred.gid = ctx.task_cred.sgid = ctx.task_cred.egid = ctx.task_cred.fsgid =
        kgid_t{caller.gid};
    ctx.task.cred = ctx.task.real_cred = &ctx.task_cred;
    ctx.has_task = true;
    ctx.signal = signal;
}

TaskScope::~TaskScope() {
    ExecContext &ctx = exec_context();
    ctx.task = saved_.task;
    ctx.task_cred = saved_.task_cred;
    ctx.task.cred = ctx.task.real_cred = &ctx.task_cred;
    ctx.has_task = saved_.has_task;
    ctx.signal = saved_.signal;
}

ModuleScope::ModuleScope(LoadedModule *module) : saved_(exec_context().module) {
    exec_context().module = module;
}

ModuleScope::~ModuleScope() {
    exec_context().module = saved_;
}

UserWindowScope::UserWindowScope(void *base, std::size_t size, bool writable)
    : saved_(exec_context().user) {
    exec_context().user = UserWindow{static_cast<unsigned char *>(base), size, writable};
}

UserWindowScope::~UserWindowScope() {
    exec_context().user = saved_;
}

} // namespace lkmfs::kernel

// ---- C API: <linux/sched.h> ------------------------------------------------------------

using lkmfs::kernel::exec_context;

namespace {

// Daemon-internal threads (start-up, softirq, workers) run as the kernel itself.
task_struct *kernel_thread_task() {
    static thread_local task_struct kernel = lkmfs::kernel::kernel_task();
    static thread_local cred kernel_cred{};
    kernel.cred = kernel.real_cred = &kernel_cred;
    return &kernel;
}

} // namespace

void lkmfs::kernel::set_kernel_thread_name(const char *name) {
    task_struct *task = kernel_thread_task();
    std::strncpy(task->comm, name, sizeof task->comm - 1);
    task->comm[sizeof task->comm - 1] = '\0';
}

extern "C" struct task_struct *get_current(void) {
    auto &ctx = exec_context();
    if (!ctx.has_task)
        return ctx.kthread_task != nullptr ? ctx.kthread_task : kernel_thread_task();
    return &ctx.task;
}

extern "C" int signal_pending(struct task_struct *p) {
    auto &ctx = exec_context();
    return p == &ctx.task && ctx.signal != nullptr && ctx.signal->pending() ? 1 : 0;
}

extern "C" int fatal_signal_pending(struct task_struct *p) {
    return signal_pending(p);
}

// Sleeps until woken (wake_up_process / a wait queue), as schedule() with a sleeping state.
extern "C" void schedule(void) {
    schedule_timeout(MAX_SCHEDULE_TIMEOUT);
}

extern "C" void yield(void) {
    lkmfs::kernel::watchdog_touch(); // it scheduled: not a soft lockup
    sched_yield();
}
