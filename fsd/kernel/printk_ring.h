// The kernel log: a bounded ring of printk records with sequence numbers and monotonic
// microsecond timestamps, read the way /dev/kmsg is read.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lkmfs::kernel {

struct LogRecord {
    std::uint64_t seq = 0;
    std::uint64_t ts_usec = 0; // since the simulated kernel booted (the daemon started)
    int level = 6;             // 0..7, KERN_EMERG..KERN_DEBUG
    int facility = 0;          // 0 = kern, as every printk record
    bool cont = false;         // the record ended without a newline and may grow
    pid_t caller = 0;          // task that wrote it (continuations must match)
    std::string text;          // without the trailing newline
};

// Outcome of reading the record at a reader's position.
struct LogRead {
    enum class Status { Record, Overwritten, End } status = Status::End;
    LogRecord record;           // valid when status == Record
    std::uint64_t next_seq = 0; // where the reader continues
};

class PrintkRing {
  public:
    // capacity_bytes bounds the text kept (as log_buf_len does); the oldest records go first.
    explicit PrintkRing(std::size_t capacity_bytes);

    // Stores a message. A continuation (KERN_CONT) from the same caller appends to the
    // previous record while that record is still open (did not end with a newline).
    void store(int level, bool continuation, pid_t caller, std::string_view text, int facility = 0);

    std::uint64_t first_seq() const;
    std::uint64_t next_seq() const;

    // Returns the record at seq, or Overwritten (next_seq = oldest kept) or End.
    LogRead read(std::uint64_t seq) const;

    // Blocks until a record at or after seq exists or the
    // predicate `interrupted` (checked on every wake-up) says so. Returns false if stopped.
    bool wait_for(std::uint64_t seq, const std::function<bool()> &interrupted) const;
    // Wakes every waiter so it re-checks its interruption predicate.
    void kick_waiters() const;

    std::vector<LogRecord> snapshot() const;
    std::uint64_t now_usec() const;

    // Observers see each finished or growing record, e.g. the console on stderr.
    using Observer = std::function<void(const LogRecord &)>;
    void set_console(Observer observer);

  private:
    void trim_locked();
    std::uint64_t readable_end_locked() const;

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::deque<LogRecord> records_;
    std::size_t bytes_ = 0;
    std::size_t capacity_;
    std::uint64_t next_seq_ = 0;
    std::chrono::steady_clock::time_point boot_;
    Observer console_;
};

} // namespace lkmfs::kernel
