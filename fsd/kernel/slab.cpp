// kmalloc and friends (<linux/slab.h>). The allocator knows every live object (size and
// the module it is charged to), so kfree can tell a double free or a wild pointer.
#include "alloc_stats.h"
#include "exec_context.h"
#include "loaded_module.h"
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

struct ObjectInfo {
    std::size_t size;
    AllocStats *stats;
};

// Every live object, and the last frees (to tell a double free from a wild pointer).
class ObjectRegistry {
  public:
    void add(const void *obj, ObjectInfo info) {
        std::lock_guard lock(mutex_);
        live_.emplace(obj, info);
    }
    std::optional<ObjectInfo> find(const void *obj) const {
        std::lock_guard lock(mutex_);
        auto it = live_.find(obj);
        return it == live_.end() ? std::nullopt : std::optional(it->second);
    }
    // Removes obj; false (and nothing removed) if it is not a live object. *was_freed
    // tells whether it was freed recently.
    bool remove(const void *obj, ObjectInfo *info, bool *was_freed) {
        std::lock_guard lock(mutex_);
        auto it = live_.find(obj);
        if (it == live_.end()) {
            *was_freed =
                std::find(recent_frees_.begin(), recent_frees_.end(), obj) != recent_frees_.end();
            return false;
        }
        *info = it->second;
        live_.erase(it);
        recent_frees_[next_free_++ % recent_frees_.size()] = obj;
        return true;
    }

  private:
    mutable std::mutex mutex_;
    std::unordered_map<const void *, ObjectInfo> live_;
    std::array<const void *, 1024> recent_frees_{};
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
    return registry().find(obj).has_value();
}
} // namespace lkmfs::kernel

extern "C" void *kmalloc(size_t size, gfp_t flags) {
    if (size == 0)
        return ZERO_SIZE_PTR;
    if (size > KMALLOC_MAX_SIZE) {
        if (!(flags & __GFP_NOWARN))
            printk(KERN_WARNING "WARNING: kmalloc: allocation of %zu bytes exceeds "
                                "KMALLOC_MAX_SIZE (%lu)\n",
                   size, KMALLOC_MAX_SIZE);
        return nullptr;
    }
    std::size_t align = alignment_for(size);
    void *obj = std::aligned_alloc(align, (size + align - 1) / align * align);
    if (obj == nullptr)
        return nullptr;
    AllocStats *stats = current_stats();
    registry().add(obj, ObjectInfo{size, stats});
    stats->live_bytes += size;
    stats->live_objects += 1;
    stats->total_allocations += 1;
    if (flags & __GFP_ZERO)
        std::memset(obj, 0, size);
    return obj;
}

extern "C" void kfree(const void *obj) {
    if (ZERO_OR_NULL_PTR(obj))
        return;
    ObjectInfo info{};
    bool was_freed = false;
    if (!registry().remove(obj, &info, &was_freed)) {
        printk(KERN_ERR "BUG: kfree of %p: %s\n", obj,
               was_freed ? "double free" : "not a kmalloc'd object");
        return;
    }
    info.stats->live_bytes -= info.size;
    info.stats->live_objects -= 1;
    std::free(const_cast<void *>(obj));
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
    return info ? info->size : 0;
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
