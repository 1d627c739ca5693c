#include "lockdep.h"

#include "debug_checks.h"
#include "lock_report.h"
#include "oops_report.h"
#include "taint.h"

#include <link.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <linux/printk.h>

namespace lkmfs::kernel {

namespace {

struct ClassId {
    const void *key;
    unsigned subclass;
    bool operator==(const ClassId &) const = default;
};

struct ClassIdHash {
    std::size_t operator()(const ClassId &c) const {
        return std::hash<const void *>()(c.key) * 31 + c.subclass;
    }
};

using Dependency = std::pair<ClassId, ClassId>; // held first, then acquired

struct DependencyHash {
    std::size_t operator()(const Dependency &d) const {
        return ClassIdHash()(d.first) * 1000003 ^ ClassIdHash()(d.second);
    }
};

ClassId class_of(const lockdep_map *map, unsigned subclass) {
    // A statically initialised lock has no key: its own address is its class, as in Linux.
    const void *key = map->key != nullptr ? static_cast<const void *>(map->key) : map;
    return {key, subclass};
}

// A dependency's record: the stack that took the later lock while holding the earlier
// (the "-> #N" entries of a report print it).
struct Edge {
    ClassId to;
    std::vector<std::uintptr_t> trace;
};

struct LockClass {
    std::string name; // copied: the module's string goes with its image
    HeldLock how{};   // one acquisition, for the usage column
    std::vector<Edge> after;
};

struct Graph {
    std::mutex mutex;
    std::unordered_map<ClassId, LockClass, ClassIdHash> classes;
    // Dependencies that closed a cycle (reported, never added) and classes reported as
    // taken recursively: each problem is reported once.
    std::unordered_set<Dependency, DependencyHash> inversions;
    std::unordered_set<ClassId, ClassIdHash> recursions;
    std::size_t edges = 0;
};

Graph &graph() {
    static Graph g;
    return g;
}

// Bumped whenever classes are forgotten: threads then drop their caches.
std::atomic<std::uint64_t> g_generation{1};

// What this thread knows needs no look at the graph.
struct ThreadCache {
    std::uint64_t generation = 0;
    std::unordered_set<Dependency, DependencyHash> known;
};

ThreadCache &thread_cache() {
    thread_local ThreadCache cache;
    std::uint64_t now = g_generation.load(std::memory_order_acquire);
    if (cache.generation != now) {
        cache.known.clear();
        cache.generation = now;
    }
    return cache;
}

LockClass &class_record(Graph &g, ClassId id, const lockdep_map *map, const HeldLock &how) {
    auto [it, inserted] = g.classes.try_emplace(id);
    if (inserted) {
        it->second.name = lock_class_name(map, id.subclass);
        it->second.how = how;
    }
    return it->second;
}

// The classes from `from` to `to` along recorded dependencies (both included), or none.
std::vector<ClassId> find_path(Graph &g, ClassId from, ClassId to) {
    std::unordered_map<ClassId, ClassId, ClassIdHash> parent;
    std::deque<ClassId> queue{from};
    parent.emplace(from, from);
    while (!queue.empty()) {
        ClassId c = queue.front();
        queue.pop_front();
        if (c == to) {
            std::vector<ClassId> path{c};
            while (!(path.back() == from))
                path.push_back(parent.at(path.back()));
            std::reverse(path.begin(), path.end());
            return path;
        }
        auto it = g.classes.find(c);
        if (it == g.classes.end())
            continue;
        for (const Edge &e : it->second.after)
            if (parent.emplace(e.to, c).second)
                queue.push_back(e.to);
    }
    return {};
}

const Edge *find_edge(Graph &g, ClassId from, ClassId to) {
    auto it = g.classes.find(from);
    if (it == g.classes.end())
        return nullptr;
    for (const Edge &e : it->second.after)
        if (e.to == to)
            return &e;
    return nullptr;
}

// What a report prints of a chain entry, copied out of the graph.
struct ChainEntry {
    std::string label;
    std::vector<std::uintptr_t> trace;
};

void print_header(const char *rule, const char *title, const TaskIdentity &task) {
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "%s\n", rule);
    printk(KERN_WARNING "WARNING: %s\n", title);
    printk(KERN_WARNING "%s #1 %s\n", LKMFS_UTS_RELEASE, taint_string().c_str());
    std::string dashes(std::string(rule).size(), '-');
    printk(KERN_WARNING "%s\n", dashes.c_str());
    printk(KERN_WARNING "%s/%ld is trying to acquire lock:\n", task.comm.c_str(), task.pid);
}

void report_circular(const HeldLock &next, const HeldLock &prev,
                     const std::vector<ChainEntry> &chain, const std::string &source,
                     const std::string &parent, const std::string &target,
                     const std::vector<std::uintptr_t> &stack) {
    TaskIdentity task = current_identity();
    std::lock_guard lock(report_mutex());
    print_header("======================================================",
                 "possible circular locking dependency detected", task);
    printk(KERN_WARNING "%s\n", describe_held_lock(next).c_str());
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "but task is already holding lock:\n");
    printk(KERN_WARNING "%s\n", describe_held_lock(prev).c_str());
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "which lock already depends on the new lock.\n");
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "the existing dependency chain (in reverse order) is:\n");
    for (std::size_t i = 0; i < chain.size(); ++i) {
        std::size_t depth = chain.size() - 1 - i;
        printk(KERN_WARNING "\n");
        printk(KERN_WARNING "-> #%zu %s:\n", depth, chain[i].label.c_str());
        print_stack_entries(KERN_WARNING, chain[i].trace, "       ");
    }
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "other info that might help us debug this:\n");
    printk(KERN_WARNING "\n");
    if (parent != source) {
        printk(KERN_WARNING "Chain exists of:\n");
        printk(KERN_WARNING "  %s --> %s --> %s\n", source.c_str(), parent.c_str(), target.c_str());
        printk(KERN_WARNING "\n");
    }
    printk(KERN_WARNING " Possible unsafe locking scenario:\n");
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "       CPU0                    CPU1\n");
    printk(KERN_WARNING "       ----                    ----\n");
    printk(KERN_WARNING "  lock(%s);\n", target.c_str());
    printk(KERN_WARNING "                               lock(%s);\n", parent.c_str());
    printk(KERN_WARNING "                               lock(%s);\n", target.c_str());
    printk(KERN_WARNING "  lock(%s);\n", source.c_str());
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING " *** DEADLOCK ***\n");
    printk(KERN_WARNING "\n");
    print_held_locks(KERN_WARNING, task);
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "stack backtrace:\n");
    dump_stack_report(KERN_WARNING, stack, task);
}

void report_recursive(const HeldLock &next, const HeldLock &prev) {
    std::vector<std::uintptr_t> stack = capture_report_stack(next.acquired_at);
    TaskIdentity task = current_identity();
    std::string next_name = lock_class_name(next.map, next.subclass);
    std::string prev_name = lock_class_name(prev.map, prev.subclass);
    std::lock_guard lock(report_mutex());
    print_header("============================================",
                 "possible recursive locking detected", task);
    printk(KERN_WARNING "%s\n", describe_held_lock(next).c_str());
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "but task is already holding lock:\n");
    printk(KERN_WARNING "%s\n", describe_held_lock(prev).c_str());
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "other info that might help us debug this:\n");
    printk(KERN_WARNING " Possible unsafe locking scenario:\n");
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "       CPU0\n");
    printk(KERN_WARNING "       ----\n");
    printk(KERN_WARNING "  lock(%s);\n", prev_name.c_str());
    printk(KERN_WARNING "  lock(%s);\n", next_name.c_str());
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING " *** DEADLOCK ***\n");
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING " May be due to missing lock nesting notation\n");
    printk(KERN_WARNING "\n");
    print_held_locks(KERN_WARNING, task);
    printk(KERN_WARNING "\n");
    printk(KERN_WARNING "stack backtrace:\n");
    dump_stack_report(KERN_WARNING, stack, task);
}

// The dependency prev -> next, seen for the first time by this thread.
void check_dependency(const HeldLock &prev, const HeldLock &next, const Dependency &dep) {
    Graph &g = graph();
    {
        // Known to the graph (another thread recorded it): no stack to take.
        std::lock_guard lock(g.mutex);
        if (find_edge(g, dep.first, dep.second) != nullptr || g.inversions.contains(dep))
            return;
    }
    std::vector<std::uintptr_t> stack = capture_report_stack(next.acquired_at);
    std::vector<ChainEntry> chain;
    std::string source, parent, target;
    {
        std::lock_guard lock(g.mutex);
        LockClass &from = class_record(g, dep.first, prev.map, prev);
        LockClass &to = class_record(g, dep.second, next.map, next);
        if (find_edge(g, dep.first, dep.second) != nullptr || g.inversions.contains(dep))
            return;
        // Does next already (transitively) come before prev? Then prev -> next closes a
        // cycle: the path next -> ... -> prev is the existing chain.
        std::vector<ClassId> path = find_path(g, dep.second, dep.first);
        if (path.empty()) {
            from.after.push_back(Edge{dep.second, std::move(stack)});
            ++g.edges;
            return;
        }
        g.inversions.insert(dep);
        // Reverse order, as Linux: the held lock's entry first (with the stack that made
        // the dependency into it), the lock being taken last (with this stack).
        for (std::size_t i = path.size() - 1; i > 0; --i) {
            const LockClass &c = g.classes.at(path[i]);
            chain.push_back(
                {lock_class_label(c.name, c.how), find_edge(g, path[i - 1], path[i])->trace});
        }
        chain.push_back({lock_class_label(to.name, next), stack});
        source = to.name;
        parent = g.classes.at(path[path.size() - 2]).name;
        target = from.name;
    }
    report_circular(next, prev, chain, source, parent, target, stack);
}

bool recursion_allowed(const HeldLock &held, const HeldLock &next) {
    // Readers of a rwlock may nest (Linux's read_lock is recursive).
    return held.kind == LockKind::RwlockRead && next.kind == LockKind::RwlockRead;
}

} // namespace

void lockdep_acquire(const lockdep_map *map, LockKind kind, unsigned subclass,
                     const void *acquired_at) {
    if (!lockdep_enabled())
        return;
    std::span<const HeldLock> held = held_locks();
    if (held.empty())
        return;
    HeldLock next = describe_acquisition(map, kind, acquired_at, subclass);
    ClassId next_class = class_of(map, subclass);

    for (const HeldLock &h : held) {
        if (!(class_of(h.map, h.subclass) == next_class) || recursion_allowed(h, next))
            continue;
        Graph &g = graph();
        {
            std::lock_guard lock(g.mutex);
            if (!g.recursions.insert(next_class).second)
                return;
        }
        HeldLock prev = h; // the list may change while the report prints
        report_recursive(next, prev);
        return;
    }

    // The dependency on the most recent lock (and on trylocks taken after it): locks taken
    // earlier already have theirs on it, so the new lock is ordered after them too.
    ThreadCache &cache = thread_cache();
    for (auto it = held.rbegin(); it != held.rend(); ++it) {
        Dependency dep{class_of(it->map, it->subclass), next_class};
        // A class after itself: readers of a rwlock nesting, nothing to order.
        if (!(dep.first == dep.second) && !cache.known.contains(dep)) {
            HeldLock prev = *it;
            check_dependency(prev, next, dep);
            cache.known.insert(dep);
        }
        if (!it->trylock)
            break;
    }
}

void lockdep_forget_range(std::uintptr_t base, std::size_t size) {
    auto inside = [&](const ClassId &c) {
        auto key = reinterpret_cast<std::uintptr_t>(c.key);
        return key >= base && key - base < size;
    };
    Graph &g = graph();
    std::lock_guard lock(g.mutex);
    std::erase_if(g.classes, [&](const auto &entry) { return inside(entry.first); });
    g.edges = 0;
    for (auto &[id, c] : g.classes) {
        std::erase_if(c.after, [&](const Edge &e) { return inside(e.to); });
        g.edges += c.after.size();
    }
    std::erase_if(g.inversions,
                  [&](const Dependency &d) { return inside(d.first) || inside(d.second); });
    std::erase_if(g.recursions, inside);
    g_generation.fetch_add(1, std::memory_order_release);
}

void lockdep_forget_image(std::uintptr_t load_base) {
    struct Extent {
        std::uintptr_t base;
        std::uintptr_t end = 0;
    } extent{load_base};
    ::dl_iterate_phdr(
        [](dl_phdr_info *info, std::size_t, void *data) {
            auto *e = static_cast<Extent *>(data);
            if (info->dlpi_addr != e->base)
                return 0;
            for (int i = 0; i < info->dlpi_phnum; ++i) {
                const auto &ph = info->dlpi_phdr[i];
                if (ph.p_type == PT_LOAD)
                    e->end = std::max<std::uintptr_t>(e->end, e->base + ph.p_vaddr + ph.p_memsz);
            }
            return 1;
        },
        &extent);
    if (extent.end > load_base)
        lockdep_forget_range(load_base, extent.end - load_base);
}

std::size_t lockdep_dependency_count() {
    Graph &g = graph();
    std::lock_guard lock(g.mutex);
    return g.edges;
}

void lockdep_reset_for_testing() {
    Graph &g = graph();
    std::lock_guard lock(g.mutex);
    g.classes.clear();
    g.inversions.clear();
    g.recursions.clear();
    g.edges = 0;
    g_generation.fetch_add(1, std::memory_order_release);
}

} // namespace lkmfs::kernel
