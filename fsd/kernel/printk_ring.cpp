#include "printk_ring.h"

#include <optional>

namespace lkmfs::kernel {

namespace {
constexpr std::size_t kRecordOverhead = 32; // per-record cost counted against the capacity
}

PrintkRing::PrintkRing(std::size_t capacity_bytes)
    : capacity_(capacity_bytes), boot_(std::chrono::steady_clock::now()) {}

std::uint64_t PrintkRing::now_usec() const {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now() - boot_)
                                          .count());
}

void PrintkRing::store(int level, bool continuation, pid_t caller, std::string_view text,
                       int facility) {
    bool ends_line = !text.empty() && text.back() == '\n';
    if (ends_line)
        text.remove_suffix(1);
    Observer console;
    LogRecord shown;
    std::optional<LogRecord> closed; // an open record this one finishes
    {
        std::lock_guard lock(mutex_);
        if (continuation && !records_.empty() && records_.back().cont &&
            records_.back().caller == caller) {
            LogRecord &last = records_.back();
            last.text.append(text);
            bytes_ += text.size();
            last.cont = !ends_line;
            shown = last;
        } else {
            // A new record closes any record still open, as Linux does.
            if (!records_.empty() && records_.back().cont) {
                records_.back().cont = false;
                closed = records_.back();
            }
            LogRecord record;
            record.seq = next_seq_++;
            record.ts_usec = now_usec();
            record.level = level;
            record.facility = facility;
            record.caller = caller;
            record.cont = !ends_line;
            record.text.assign(text);
            bytes_ += record.text.size() + kRecordOverhead;
            records_.push_back(std::move(record));
            shown = records_.back();
        }
        trim_locked();
        console = console_;
    }
    changed_.notify_all();
    if (console) {
        if (closed)
            console(*closed);
        console(shown);
    }
}

std::uint64_t PrintkRing::readable_end_locked() const {
    // A line still open for continuation is not a record yet (Linux 6.1 shows only
    // finalized records): readers see it once it ends or another record closes it.
    return !records_.empty() && records_.back().cont ? next_seq_ - 1 : next_seq_;
}

void PrintkRing::trim_locked() {
    while (records_.size() > 1 && bytes_ > capacity_) {
        bytes_ -= records_.front().text.size() + kRecordOverhead;
        records_.pop_front();
    }
}

std::uint64_t PrintkRing::first_seq() const {
    std::lock_guard lock(mutex_);
    return records_.empty() ? next_seq_ : records_.front().seq;
}

std::uint64_t PrintkRing::next_seq() const {
    std::lock_guard lock(mutex_);
    return next_seq_;
}

LogRead PrintkRing::read(std::uint64_t seq) const {
    std::lock_guard lock(mutex_);
    LogRead out;
    std::uint64_t first = records_.empty() ? next_seq_ : records_.front().seq;
    if (seq < first) {
        out.status = LogRead::Status::Overwritten;
        out.next_seq = first;
        return out;
    }
    if (seq >= readable_end_locked()) {
        out.status = LogRead::Status::End;
        out.next_seq = seq;
        return out;
    }
    out.status = LogRead::Status::Record;
    out.record = records_[static_cast<std::size_t>(seq - first)];
    out.next_seq = seq + 1;
    return out;
}

bool PrintkRing::wait_for(std::uint64_t seq, const std::function<bool()> &interrupted) const {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return readable_end_locked() > seq || interrupted(); });
    return readable_end_locked() > seq;
}

void PrintkRing::kick_waiters() const {
    { std::lock_guard lock(mutex_); }
    changed_.notify_all();
}

std::vector<LogRecord> PrintkRing::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<LogRecord> out(records_.begin(), records_.end());
    if (!out.empty() && out.back().cont)
        out.pop_back();
    return out;
}

void PrintkRing::set_console(Observer observer) {
    std::lock_guard lock(mutex_);
    console_ = std::move(observer);
}

} // namespace lkmfs::kernel
