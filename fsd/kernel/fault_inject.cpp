// Per-module fault injection (fault_inject.h), after Linux 6.1's lib/fault-inject.c,
// mm/failslab.c and lib/fault-inject-usercopy.c: the same attributes, the same order of
// checks (times, space, interval, probability) and the same report.
#include "fault_inject.h"

#include "exec_context.h"
#include "loaded_module.h"
#include "lock_report.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#include <linux/gfp.h>
#include <linux/printk.h>

namespace lkmfs::kernel::fault_inject {

namespace {

// Linux ratelimits the report (DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST): a
// module that fails every call does not flood the log.
constexpr auto kRatelimitInterval = std::chrono::seconds(5);
constexpr int kRatelimitBurst = 10;

struct State {
    Attr attr;
    unsigned long count = 0; // calls seen, for the interval
    std::chrono::steady_clock::time_point window{};
    int printed = 0; // reports in this ratelimit window
};

class Settings {
  public:
    void set(const std::string &module, Kind kind, std::optional<Attr> attr) {
        std::lock_guard lock(mutex_);
        if (attr)
            states_[{module, kind}] = State{*attr};
        else
            states_.erase({module, kind});
        any_.store(!states_.empty(), std::memory_order_relaxed);
    }
    std::optional<Attr> get(const std::string &module, Kind kind) {
        std::lock_guard lock(mutex_);
        auto it = states_.find({module, kind});
        return it == states_.end() ? std::nullopt : std::optional(it->second.attr);
    }
    std::vector<Setting> all() {
        std::lock_guard lock(mutex_);
        std::vector<Setting> out;
        for (const auto &[key, state] : states_)
            out.push_back({key.first, key.second, state.attr});
        return out;
    }
    bool any() const { return any_.load(std::memory_order_relaxed); }

    // should_fail_ex(): whether this call fails, and whether (and with which attribute
    // values) to report it.
    bool should_fail(const std::string &module, Kind kind, std::size_t size, bool nowarn,
                     std::optional<Attr> *report) {
        std::lock_guard lock(mutex_);
        auto it = states_.find({module, kind});
        if (it == states_.end())
            return false;
        State &s = it->second;
        if (s.attr.times == 0)
            return false;
        if (s.attr.space > static_cast<long>(size)) {
            s.attr.space -= static_cast<long>(size);
            return false;
        }
        if (s.attr.interval > 1 && ++s.count % s.attr.interval != 0)
            return false;
        if (s.attr.probability <= percent())
            return false;
        if (!nowarn && s.attr.verbose > 0 && ratelimit_ok(s))
            *report = s.attr; // as printed: before times counts this failure
        if (s.attr.times != -1)
            --s.attr.times;
        return true;
    }

  private:
    // prandom_u32_max(100): xorshift64 (<random> clashes with the kernel headers' macros).
    unsigned long percent() {
        random_ ^= random_ << 13;
        random_ ^= random_ >> 7;
        random_ ^= random_ << 17;
        return static_cast<unsigned long>(random_ % 100);
    }
    static bool ratelimit_ok(State &s) {
        auto now = std::chrono::steady_clock::now();
        if (now - s.window >= kRatelimitInterval) {
            s.window = now;
            s.printed = 0;
        }
        return s.printed++ < kRatelimitBurst;
    }

    std::mutex mutex_;
    std::map<std::pair<std::string, Kind>, State> states_;
    std::atomic<bool> any_{false};
    std::uint64_t random_ =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) | 1;
};

Settings &settings() {
    static Settings s;
    return s;
}

thread_local bool t_decided = false;

// fail_dump(): the attribute line, and with verbose > 1 dump_stack().
void report(Kind kind, const Attr &attr) {
    printk(KERN_NOTICE "FAULT_INJECTION: forcing a failure.\n");
    printk(KERN_NOTICE "name %s, interval %lu, probability %lu, space %ld, times %ld\n",
           kind_name(kind), attr.interval, attr.probability, attr.space, attr.times);
    if (attr.verbose > 1)
        dump_stack_report(KERN_DEFAULT, capture_report_stack(), current_identity());
}

bool should_fail(Kind kind, std::size_t size, bool nowarn) {
    if (!settings().any() || t_decided)
        return false;
    const LoadedModule *module = exec_context().module;
    if (module == nullptr) // the core kernel's own allocations never fail
        return false;
    std::optional<Attr> shown;
    if (!settings().should_fail(module->name(), kind, size, nowarn, &shown))
        return false;
    if (shown)
        report(kind, *shown);
    return true;
}

} // namespace

const char *kind_name(Kind kind) {
    return kind == Kind::Failslab ? "failslab" : "fail_usercopy";
}

std::optional<Kind> kind_from_name(const std::string &name) {
    if (name == "failslab")
        return Kind::Failslab;
    if (name == "fail_usercopy")
        return Kind::FailUsercopy;
    return std::nullopt;
}

void set(const std::string &module, Kind kind, std::optional<Attr> attr) {
    settings().set(module, kind, attr);
}

std::optional<Attr> get(const std::string &module, Kind kind) {
    return settings().get(module, kind);
}

std::vector<Setting> all() {
    return settings().all();
}

void clear_all() {
    for (const Setting &s : all())
        set(s.module, s.kind, std::nullopt);
}

bool should_failslab(std::size_t size, unsigned int gfp_flags) {
    if (gfp_flags & __GFP_NOFAIL)
        return false;
    return should_fail(Kind::Failslab, size, (gfp_flags & __GFP_NOWARN) != 0);
}

bool should_fail_usercopy() {
    return should_fail(Kind::FailUsercopy, 1, false);
}

bool fail_copy_from_user(void *to, unsigned long n) {
    if (!should_fail_usercopy())
        return false;
    std::memset(to, 0, n);
    return true;
}

DecidedScope::DecidedScope() : outer_(t_decided) {
    t_decided = true;
}

DecidedScope::~DecidedScope() {
    t_decided = outer_;
}

} // namespace lkmfs::kernel::fault_inject
