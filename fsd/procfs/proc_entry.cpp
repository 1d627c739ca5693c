#include "proc_entry.h"

#include "file_ops.h"
#include "kernel/exec_context.h"
#include "open_file.h"

#include <algorithm>

std::string proc_dir_entry::path() const {
    if (parent == nullptr)
        return "";
    std::string up = parent->path();
    return up.empty() ? name : up + "/" + name;
}

bool proc_dir_entry::use(const lkmfs::procfs::CallInFlight *call) {
    std::lock_guard lock(rundown_mutex_);
    if (removing_.load())
        return false;
    ++in_use_;
    if (call != nullptr)
        calls_.push_back(call);
    return true;
}

void proc_dir_entry::unuse(const lkmfs::procfs::CallInFlight *call) {
    std::lock_guard lock(rundown_mutex_);
    if (call != nullptr)
        std::erase(calls_, call);
    if (--in_use_ == 0 && removing_.load())
        rundown_done_.notify_all();
}

void proc_dir_entry::report_calls(const std::string &path,
                                  std::vector<lkmfs::procfs::CallReport> *out) {
    std::lock_guard lock(rundown_mutex_);
    for (const auto *call : calls_) {
        lkmfs::procfs::CallReport report;
        report.entry = path;
        report.handler = call->handler;
        report.pid = call->pid;
        report.comm = call->comm;
        if (call->signal != nullptr)
            report.state = static_cast<char>(call->signal->state());
        out->push_back(std::move(report));
    }
}

std::size_t proc_dir_entry::interrupt_calls() {
    // Under the lock: a call's signal lives until its unuse(), which takes the lock.
    std::lock_guard lock(rundown_mutex_);
    std::size_t signalled = 0;
    for (const auto *call : calls_)
        if (call->signal != nullptr) {
            call->signal->raise();
            ++signalled;
        }
    return signalled;
}

void proc_dir_entry::rundown() {
    std::vector<std::shared_ptr<lkmfs::procfs::OpenFile>> still_open;
    {
        std::unique_lock lock(rundown_mutex_);
        removing_.store(true);
        rundown_done_.wait(lock, [&] { return in_use_ == 0; });
        still_open.swap(open_files_);
    }
    // Files still open get their release now, in the remover's context, as in Linux.
    for (auto &file : still_open)
        lkmfs::procfs::release_at_rundown(*file);
}

void proc_dir_entry::add_open_file(const std::shared_ptr<lkmfs::procfs::OpenFile> &file) {
    std::lock_guard lock(rundown_mutex_);
    open_files_.push_back(file);
}

void proc_dir_entry::drop_open_files() {
    std::vector<std::shared_ptr<lkmfs::procfs::OpenFile>> dropped;
    std::lock_guard lock(rundown_mutex_);
    dropped.swap(open_files_);
}

void proc_dir_entry::forget_open_file(const lkmfs::procfs::OpenFile *file) {
    std::lock_guard lock(rundown_mutex_);
    std::erase_if(open_files_, [&](const auto &f) { return f.get() == file; });
}
