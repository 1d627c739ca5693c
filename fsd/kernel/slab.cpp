// kmalloc and friends (<linux/slab.h>). The allocator knows every live object (size and
// the module it is charged to), so kfree can tell a double free or a wild pointer.
#include "alloc_stats.h"
#include "exec_context.h"
#include "fault_inject.h"
#include "kmemleak.h"
#include "loaded_module.h"
#include "might_sleep.h"
#include "slab_registry.h"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>

#include <linux/kernel.h>
#include <linux/slab.h>

namespace lkmfs::kernel {

AllocStats *new_alloc_stats(const std::string &owner) {
    static std::mutex mutex;
    static std::deque<AllocStats> records; // never shrinks: element addresses stay valid
    std::lock_guard lock(mutex);
    AllocStats &stats = records.emplace_back();
    stats.owner = owner;
    return &stats;
}

AllocStats *kernel_alloc_stats() {
    static AllocStats *const stats = new_alloc_stats("kernel");
    return stats;
}

} // namespace lkmfs::kernel

namespace {

using lkmfs::kernel::AllocStats;

using lkmfs::kernel::AllocKind;
using lkmfs::kernel::AllocTrack;

struct ObjectInfo {
    std::size_t size;
    AllocStats *stats;
    AllocKind kind;
    const kmem_cache *cache; // AllocKind::Cache only
    bool tracked;            // kmemleak was on: `track` says where it was allocated
    AllocTrack track;
};

// A recent free: enough to tell a double free from a wild pointer, and to say (as KASAN
// does) where the object was allocated and where it was freed.
struct FreedObject {
    const void *obj = nullptr;
    bool tracked = false;
    AllocTrack allocated;
    AllocTrack freed;
};

// Every live object, and the last frees (to tell a double free from a wild pointer).
class ObjectRegistry {
  public:
    void add(const void *obj, const ObjectInfo &info) {
        std::lock_guard lock(mutex_);
        live_.emplace(obj, info);
    }
    std::optional<ObjectInfo> find(const void *obj) const {
        std::lock_guard lock(mutex_);
        auto it = live_.find(obj);
        return it == live_.end() ? std::nullopt : std::optional(it->second);
    }
    // Removes obj if it is a live object of `kind` (and `cache`), remembering `freed` as
    // where it went. Otherwise nothing is removed: *info describes the live object of
    // another kind (size 0 if there is none) and *previous the recent free of obj, if any.
    bool remove_if(const void *obj, AllocKind kind, const kmem_cache *cache, ObjectInfo *info,
                   const AllocTrack *freed, std::optional<FreedObject> *previous) {
        std::lock_guard lock(mutex_);
        auto it = live_.find(obj);
        if (it == live_.end()) {
            // The latest free of obj: search backwards from the newest.
            for (std::size_t i = 1; i <= recent_frees_.size(); ++i) {
                const FreedObject &f =
                    recent_frees_[(next_free_ + recent_frees_.size() - i) % recent_frees_.size()];
                if (f.obj == obj) {
                    *previous = f;
                    break;
                }
            }
            return false;
        }
        *info = it->second;
        if (it->second.kind != kind || (kind == AllocKind::Cache && it->second.cache != cache))
            return false;
        FreedObject &slot = recent_frees_[next_free_++ % recent_frees_.size()];
        slot.obj = obj;
        slot.tracked = it->second.tracked && freed != nullptr;
        if (slot.tracked) {
            slot.allocated = it->second.track;
            slot.freed = *freed;
        }
        live_.erase(it);
        return true;
    }
    std::size_t count_cache(const kmem_cache *cache) const {
        std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(
            std::count_if(live_.begin(), live_.end(), [&](const auto &kv) {
                return kv.second.kind == AllocKind::Cache && kv.second.cache == cache;
            }));
    }
    // The live objects charged to `stats`, with their first bytes (read under the lock, so
    // a concurrent free cannot pull the memory away).
    std::vector<lkmfs::kernel::LeakedObject> charged_to(const AllocStats *stats) const {
        std::lock_guard lock(mutex_);
        std::vector<lkmfs::kernel::LeakedObject> out;
        for (const auto &[obj, info] : live_) {
            if (info.stats != stats)
                continue;
            lkmfs::kernel::LeakedObject &leak = out.emplace_back();
            leak.address = reinterpret_cast<std::uintptr_t>(obj);
            leak.size = info.size;
            std::memcpy(leak.head.data(), obj, std::min(info.size, leak.head.size()));
            leak.tracked = info.tracked;
            if (info.tracked)
                leak.track = info.track;
        }
        return out;
    }

  private:
    mutable std::mutex mutex_;
    std::unordered_map<const void *, ObjectInfo> live_;
    std::array<FreedObject, 1024> recent_frees_{};
    std::size_t next_free_ = 0;
};

ObjectRegistry &registry() {
    static ObjectRegistry objects;
    return objects;
}

AllocStats *current_stats() {
    auto *module = lkmfs::kernel::exec_context().module;
    return module != nullptr ? module->alloc_stats() : lkmfs::kernel::kernel_alloc_stats();
}

// Linux aligns power-of-two kmalloc sizes to their size (up to a page), larger ones come
// from the page allocator; the rest get the architecture minimum.
std::size_t alignment_for(std::size_t size) {
    constexpr std::size_t kPage = 4096;
    if (size > 2 * kPage)
        return kPage;
    if ((size & (size - 1)) == 0)
        return std::clamp<std::size_t>(size, 16, kPage);
    return 16;
}

} // namespace

namespace lkmfs::kernel {
bool is_live_kmalloc_object(const void *obj) {
    auto info = registry().find(obj);
    return info && info->kind == AllocKind::Kmalloc;
}
} // namespace lkmfs::kernel

namespace lkmfs::kernel {

const char *alloc_kind_name(AllocKind kind) {
    switch (kind) {
    case AllocKind::Kmalloc:
        return "kmalloc";
    case AllocKind::Vmalloc:
        return "vmalloc";
    case AllocKind::Cache:
        return "kmem_cache_alloc";
    }
    return "?";
}

void *allocate_object(std::size_t size, std::size_t align, AllocKind kind, const kmem_cache *cache,
                      bool zero) {
    ObjectInfo info{size, current_stats(), kind, cache, kmemleak_enabled(), {}};
    if (info.tracked)
        record_track(&info.track); // before the lock: the unwind is the costly part
    void *obj = std::aligned_alloc(align, (size + align - 1) / align * align);
    if (obj == nullptr)
        return nullptr;
    registry().add(obj, info);
    info.stats->live_bytes += size;
    info.stats->live_objects += 1;
    info.stats->total_allocations += 1;
    if (zero)
        std::memset(obj, 0, size);
    return obj;
}

bool free_object(const void *obj, AllocKind kind, const kmem_cache *cache, const char *caller,
                 const void *return_address) {
    ObjectInfo info{};
    std::optional<FreedObject> previous;
    AllocTrack freed;
    bool track = kmemleak_enabled();
    if (track)
        record_caller(&freed, return_address);
    if (!registry().remove_if(obj, kind, cache, &info, track ? &freed : nullptr, &previous)) {
        if (info.size != 0) { // live, but of another allocator or cache
            printk(KERN_ERR "BUG: %s of %p: the object was allocated with %s%s%s; left "
                            "allocated\n",
                   caller, obj, alloc_kind_name(info.kind),
                   info.kind == AllocKind::Cache ? " from cache " : "",
                   info.kind == AllocKind::Cache ? kmem_cache_name(info.cache) : "");
            if (info.tracked)
                print_track("Allocated", info.track);
        } else if (previous) {
            printk(KERN_ERR "BUG: %s of %p: double free\n", caller, obj);
            if (previous->tracked) {
                print_track("Allocated", previous->allocated);
                print_track("Freed", previous->freed);
            }
        } else if (kind == AllocKind::Cache) {
            printk(KERN_ERR "BUG: %s of %p: not an object of cache %s\n", caller, obj,
                   kmem_cache_name(cache));
        } else {
            printk(KERN_ERR "BUG: %s of %p: not a %s'd object\n", caller, obj,
                   alloc_kind_name(kind));
        }
        return false;
    }
    info.stats->live_bytes -= info.size;
    info.stats->live_objects -= 1;
    std::free(const_cast<void *>(obj));
    return true;
}

std::optional<AllocKind> allocated_kind(const void *obj) {
    auto info = registry().find(obj);
    return info ? std::optional(info->kind) : std::nullopt;
}

std::size_t count_cache_objects(const kmem_cache *cache) {
    return registry().count_cache(cache);
}

std::vector<LeakedObject> objects_charged_to(const AllocStats *stats) {
    return registry().charged_to(stats);
}

} // namespace lkmfs::kernel

using lkmfs::kernel::allocate_object;
using lkmfs::kernel::free_object;

extern "C" void *kmalloc(size_t size, gfp_t flags) {
    LKMFS_MIGHT_ALLOC(flags);
    if (size == 0)
        return ZERO_SIZE_PTR;
    if (size > KMALLOC_MAX_SIZE) {
        if (!(flags & __GFP_NOWARN))
            printk(KERN_WARNING "WARNING: kmalloc: allocation of %zu bytes exceeds "
                                "KMALLOC_MAX_SIZE (%lu)\n",
                   size, KMALLOC_MAX_SIZE);
        return nullptr;
    }
    if (lkmfs::kernel::fault_inject::should_failslab(size, flags))
        return nullptr;
    void *obj = allocate_object(size, alignment_for(size), AllocKind::Kmalloc, nullptr,
                                (flags & __GFP_ZERO) != 0);
    lkmfs::kernel::keep_frame(); // kmemleak's backtrace names kmalloc
    return obj;
}

extern "C" void kfree(const void *obj) {
    if (ZERO_OR_NULL_PTR(obj))
        return;
    free_object(obj, AllocKind::Kmalloc, nullptr, "kfree", __builtin_return_address(0));
}

extern "C" void kfree_sensitive(const void *obj) {
    if (ZERO_OR_NULL_PTR(obj))
        return;
    if (auto info = registry().find(obj))
        explicit_bzero(const_cast<void *>(obj), info->size);
    kfree(obj); // reports a bad pointer as kfree does
}

extern "C" size_t ksize(const void *obj) {
    if (ZERO_OR_NULL_PTR(obj))
        return 0;
    auto info = registry().find(obj);
    return info && info->kind == AllocKind::Kmalloc ? info->size : 0;
}

extern "C" void *krealloc(const void *p, size_t new_size, gfp_t flags) {
    if (new_size == 0) {
        kfree(p);
        return ZERO_SIZE_PTR;
    }
    size_t old_size = ksize(p);
    if (!ZERO_OR_NULL_PTR(p) && new_size <= old_size)
        return const_cast<void *>(p);
    void *fresh = kmalloc(new_size, flags);
    if (fresh == nullptr)
        return nullptr; // the old object stays valid, as in Linux
    if (old_size != 0)
        std::memcpy(fresh, p, old_size);
    if (flags & __GFP_ZERO)
        std::memset(static_cast<char *>(fresh) + old_size, 0, new_size - old_size);
    kfree(p);
    return fresh;
}

extern "C" char *kstrdup(const char *s, gfp_t gfp) {
    if (s == nullptr)
        return nullptr;
    return kmemdup_nul(s, std::strlen(s), gfp);
}

extern "C" char *kstrndup(const char *s, size_t max, gfp_t gfp) {
    if (s == nullptr)
        return nullptr;
    return kmemdup_nul(s, strnlen(s, max), gfp);
}

extern "C" void *kmemdup(const void *src, size_t len, gfp_t gfp) {
    void *p = kmalloc(len, gfp);
    if (p != nullptr && len != 0)
        std::memcpy(p, src, len);
    return p;
}

extern "C" char *kmemdup_nul(const char *s, size_t len, gfp_t gfp) {
    if (s == nullptr)
        return nullptr;
    auto *p = static_cast<char *>(kmalloc(len + 1, gfp));
    if (p != nullptr) {
        std::memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}
