#include "posting.h"

#include <fcntl.h>

#include <cerrno>

#include <cstddef>

namespace seekmark {

namespace {

constexpr int kAttempts = 8;        // posts withdrawn because a close overlapped them
constexpr long kMaxWaits = 1000000; // yields while the target is inside a close

// struct linux_dirent64 as getdents64 fills it: the name follows at byte 19.
struct DirentHead {
    std::uint64_t ino;
    std::int64_t off;
    unsigned short reclen;
    unsigned char type;
};
constexpr std::size_t kDirentName = 19;

// "/proc/<pid>/fd" into buf, without snprintf (this runs in signal handlers too).
void proc_fd_path(int pid, char (&buf)[32]) noexcept {
    char digits[12];
    int n = 0;
    do {
        digits[n++] = static_cast<char>('0' + pid % 10);
        pid /= 10;
    } while (pid > 0);
    const char prefix[] = "/proc/";
    int i = 0;
    for (const char c : prefix) {
        if (c != '\0') {
            buf[i++] = c;
        }
    }
    while (n > 0) {
        buf[i++] = digits[--n];
    }
    for (const char c : "/fd") {
        buf[i++] = c; // copies the terminating NUL too
    }
}

// Calls found(n) for every descriptor n under which process `pid` holds the description of
// our `myfd`. Lists /proc/<pid>/fd with raw system calls; the directory's descriptor
// exists only during this call (if we are at our descriptor limit, nothing is found).
template <class Found>
void find_holder_fds(int my_pid, int myfd, int pid, Found &&found) noexcept {
    char path[32];
    proc_fd_path(pid, path);
    const long dir = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path),
                               O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sys::failed(dir)) {
        return;
    }
    alignas(8) char buf[1024]; // small: this may run on a signal stack
    for (long got;
         (got = sys::call(SYS_getdents64, dir, reinterpret_cast<long>(buf), sizeof buf)) > 0;) {
        for (long at = 0; at < got;) {
            const auto *entry = reinterpret_cast<const DirentHead *>(buf + at);
            const char *name = buf + at + kDirentName;
            at += entry->reclen;
            int fd = 0;
            if (*name < '0' || *name > '9') {
                continue; // "." and ".."
            }
            for (; *name >= '0' && *name <= '9'; ++name) {
                fd = fd * 10 + (*name - '0');
            }
            if (sys::same_file(my_pid, pid, myfd, fd) == 0) {
                found(fd);
            }
        }
    }
    sys::call(SYS_close, dir);
}

bool inbox_insert(Record &target, std::uint64_t post) noexcept {
    for (std::uint64_t &entry : target.inbox) {
        std::uint64_t expected = 0;
        if (atom(entry).compare_exchange_strong(expected, post, std::memory_order_acq_rel)) {
            return true;
        }
    }
    return false; // full: the link is lost (documented limit)
}

void inbox_remove(Record &target, std::uint64_t post) noexcept {
    for (std::uint64_t &entry : target.inbox) {
        std::uint64_t expected = post;
        if (atom(entry).compare_exchange_strong(expected, 0, std::memory_order_acq_rel)) {
            return;
        }
    }
}

enum class Outcome { kPosted, kNotThere, kGone, kRefused };

// One post, safe against the target closing descriptor n at the same time: the target
// counts closes in progress (closing) and done (close_seq) around every close, and drops
// posts for the closed number both before and after the real close. A post is kept only
// if no close began or ended between our kcmp and our insertion; otherwise the kcmp may
// have seen the old description and we try again.
Outcome post_one(const Self &me, int rec, int myfd, int n, int slot, std::uint32_t gen) noexcept {
    Record &target = region()->records[rec];
    const std::uint64_t post = pack_post(n, slot, gen);
    long waits = 0;
    for (int attempt = 0; attempt < kAttempts;) {
        const std::uint32_t seq = atom(target.close_seq).load(std::memory_order_acquire);
        if (atom(target.closing).load(std::memory_order_acquire) != 0) {
            // A close takes one system call; wait it out (a stuck one: give up after ~1 s;
            // one that will never end because its process was killed: notice that).
            if (++waits > kMaxWaits) {
                return Outcome::kNotThere;
            }
            if (waits % 1024 == 0 && !record_alive(rec)) {
                return Outcome::kGone;
            }
            sys::sched_yield();
            continue;
        }
        ++attempt;
        const int pid = atom(target.pid).load(std::memory_order_relaxed);
        const long same = pid > 0 ? sys::same_file(me.pid, pid, myfd, n) : -ESRCH;
        if (same == -ESRCH) {
            return Outcome::kGone;
        }
        if (same == -EPERM || same == -ENOSYS || same == -EACCES) {
            return Outcome::kRefused; // credentials changed, or no kcmp: not shareable
        }
        if (same != 0) {
            return Outcome::kNotThere; // another description, or no such descriptor
        }
        bit_set(rec, slot); // before the post: the target may take it at once
        if (!inbox_insert(target, post)) {
            return Outcome::kPosted; // inbox full: the link is lost (documented limit)
        }
        if (atom(target.closing).load(std::memory_order_acquire) == 0 &&
            atom(target.close_seq).load(std::memory_order_acquire) == seq) {
            return Outcome::kPosted;
        }
        inbox_remove(target, post);
    }
    return Outcome::kNotThere;
}

} // namespace

void post_to_family(const Self &me, int myfd, const int *numbers, int count, int slot,
                    std::uint32_t gen) noexcept {
    Region *r = region();
    for (int rec = 0; rec < static_cast<int>(kRecords); ++rec) {
        if (rec == me.rec ||
            atom(r->records[rec].state).load(std::memory_order_acquire) != kRecordLive) {
            continue;
        }
        // Fork keeps numbers, so the same numbers are the likely ones. Every match is
        // posted, not just one: the target may close one of them before it takes its posts,
        // while still holding the description under another.
        bool found = false;
        Outcome outcome = Outcome::kNotThere;
        for (int i = 0; i < count; ++i) {
            outcome = post_one(me, rec, myfd, numbers[i], slot, gen);
            if (outcome == Outcome::kGone || outcome == Outcome::kRefused) {
                break;
            }
            found = found || outcome == Outcome::kPosted;
        }
        if (outcome == Outcome::kGone) {
            record_release(rec); // exited without closing: collect it now
            continue;
        }
        const int pid = atom(r->records[rec].pid).load(std::memory_order_relaxed);
        if (!found && outcome != Outcome::kRefused && pid > 0) {
            // Renumbered since the fork (dup2 and close): ask the kernel for all of them.
            find_holder_fds(me.pid, myfd, pid,
                            [&](int n) { post_one(me, rec, myfd, n, slot, gen); });
        }
    }
}

bool has_posts(const Self &me) noexcept {
    for (std::uint64_t &entry : region()->records[me.rec].inbox) {
        if (atom(entry).load(std::memory_order_relaxed) != 0) {
            return true;
        }
    }
    return false;
}

bool has_posts_in(const Self &me, int first, int last) noexcept {
    for (std::uint64_t &entry : region()->records[me.rec].inbox) {
        const std::uint64_t post = atom(entry).load(std::memory_order_relaxed);
        if (post != 0 && post_fd(post) >= first && post_fd(post) <= last) {
            return true;
        }
    }
    return false;
}

void drop_posts_in(const Self &me, int first, int last) noexcept {
    for (std::uint64_t &entry : region()->records[me.rec].inbox) {
        std::uint64_t post = atom(entry).load(std::memory_order_relaxed);
        if (post != 0 && post_fd(post) >= first && post_fd(post) <= last) {
            atom(entry).compare_exchange_strong(post, 0, std::memory_order_acq_rel);
        }
    }
}

} // namespace seekmark
