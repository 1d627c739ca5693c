// Shared by the control tests: a fake ControlBackend and a temporary directory.
#pragma once

#include "control/control_backend.h"

#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace lkmfs::control::testing {

// A fresh directory under /tmp (short paths: sun_path holds 108 bytes), removed with all
// it holds when the test ends.
class TempDir {
  public:
    TempDir() {
        std::string pattern = "/tmp/lkmfs-ctl-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;

    const std::string &path() const { return path_; }
    std::string operator/(const std::string &name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

// A ControlBackend whose answers are set by the test; calls are recorded, insmod can be
// held inside "module init", and the log is a list the test appends to.
class FakeBackend : public ControlBackend {
  public:
    struct InsmodCall {
        std::vector<std::byte> image;
        std::string origin;
        std::string params;
        PeerCred peer;
    };
    struct RmmodCall {
        std::string name;
        bool force = false;
        PeerCred peer;
        bool progress = false; // the client asked to hear what the removal waits for
    };

    // --- answers (set before the request arrives) ---
    void set_insmod_result(Error result, std::string name = "hello") {
        std::lock_guard lock(mutex_);
        insmod_result_ = std::move(result);
        insmod_name_ = std::move(name);
    }
    void set_rmmod_result(Error result) {
        std::lock_guard lock(mutex_);
        rmmod_result_ = std::move(result);
    }
    // What rmmod reports waiting for (through its progress callback) before it returns.
    void set_rmmod_waits(std::vector<RmmodWait> waits) {
        std::lock_guard lock(mutex_);
        rmmod_waits_ = std::move(waits);
    }
    void set_modules(std::vector<ModuleRow> modules) {
        std::lock_guard lock(mutex_);
        modules_ = std::move(modules);
    }
    void set_modinfo(Error result, ModuleInfo info = {}) {
        std::lock_guard lock(mutex_);
        modinfo_result_ = std::move(result);
        modinfo_ = std::move(info);
    }
    void set_lsmod_throws(bool throws) {
        std::lock_guard lock(mutex_);
        lsmod_throws_ = throws;
    }

    // Holds the next insmod calls inside the backend until release_insmod().
    void hold_insmod() {
        std::lock_guard lock(mutex_);
        hold_insmod_ = true;
    }
    void release_insmod() {
        std::lock_guard lock(mutex_);
        hold_insmod_ = false;
        changed_.notify_all();
    }
    bool wait_until_insmod_held(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return insmods_held_ > 0; });
    }

    // --- the log ---
    void append_log(int level, std::string text, std::uint64_t ts_usec = 0, int facility = 0) {
        std::lock_guard lock(mutex_);
        LogRow row;
        row.seq = next_seq_++;
        row.ts_usec = ts_usec;
        row.level = level;
        row.facility = facility;
        row.text = std::move(text);
        log_.push_back(std::move(row));
        changed_.notify_all();
    }
    // Waits until `count` callers sleep in log_wait (or, for 0, until none does).
    bool wait_for_log_waiters(int count, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return log_waiters_ == count; });
    }

    // --- what was asked ---
    std::vector<InsmodCall> insmod_calls() const {
        std::lock_guard lock(mutex_);
        return insmod_calls_;
    }
    std::vector<RmmodCall> rmmod_calls() const {
        std::lock_guard lock(mutex_);
        return rmmod_calls_;
    }
    std::vector<std::string> modinfo_calls() const {
        std::lock_guard lock(mutex_);
        return modinfo_calls_;
    }

    // --- ControlBackend ---
    Error insmod(std::span<const std::byte> image, const std::string &origin,
                 const std::string &params, const PeerCred &peer, std::string *name) override {
        std::unique_lock lock(mutex_);
        insmod_calls_.push_back({{image.begin(), image.end()}, origin, params, peer});
        ++insmods_held_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return !hold_insmod_; });
        --insmods_held_;
        *name = insmod_name_;
        return insmod_result_;
    }
    Error rmmod(const std::string &name, bool force, const PeerCred &peer,
                const RmmodProgress &progress) override {
        std::vector<RmmodWait> waits;
        Error result;
        {
            std::lock_guard lock(mutex_);
            rmmod_calls_.push_back({name, force, peer, static_cast<bool>(progress)});
            waits = rmmod_waits_;
            result = rmmod_result_;
        }
        if (progress)
            for (const RmmodWait &wait : waits)
                progress(wait);
        return result;
    }
    std::vector<ModuleRow> lsmod() override {
        std::lock_guard lock(mutex_);
        if (lsmod_throws_)
            throw std::runtime_error("fake lsmod failure");
        return modules_;
    }
    Error modinfo(const std::string &name, ModuleInfo *out) override {
        std::lock_guard lock(mutex_);
        modinfo_calls_.push_back(name);
        *out = modinfo_;
        return modinfo_result_;
    }
    std::vector<LogRow> log_snapshot() override {
        std::lock_guard lock(mutex_);
        return log_;
    }
    std::vector<LogRow> log_wait(std::uint64_t next_seq,
                                 const std::function<bool()> &cancelled) override {
        std::unique_lock lock(mutex_);
        ++log_waiters_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return next_seq < next_seq_ || cancelled(); });
        --log_waiters_;
        changed_.notify_all();
        if (cancelled())
            return {};
        std::vector<LogRow> rows;
        for (const LogRow &row : log_)
            if (row.seq >= next_seq)
                rows.push_back(row);
        return rows;
    }
    void log_kick() override {
        std::lock_guard lock(mutex_);
        changed_.notify_all();
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    Error insmod_result_;
    std::string insmod_name_ = "hello";
    Error rmmod_result_;
    std::vector<RmmodWait> rmmod_waits_;
    std::vector<ModuleRow> modules_;
    Error modinfo_result_;
    ModuleInfo modinfo_;
    bool lsmod_throws_ = false;
    bool hold_insmod_ = false;
    int insmods_held_ = 0;
    std::vector<LogRow> log_;
    std::uint64_t next_seq_ = 0;
    int log_waiters_ = 0;
    std::vector<InsmodCall> insmod_calls_;
    std::vector<RmmodCall> rmmod_calls_;
    std::vector<std::string> modinfo_calls_;
};

} // namespace lkmfs::control::testing
