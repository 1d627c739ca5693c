// Slab caches (kmem_cache_*, <linux/slab.h>). A cache is a name, an object size and
// alignment and an optional constructor; its objects live in the allocator's registry
// (slab_registry.h) tagged with the cache, so freeing into the wrong cache, and
// destroying a cache that still has objects, are reported as Linux reports them.
#include "exec_context.h"
#include "fault_inject.h"
#include "loaded_module.h"
#include "might_sleep.h"
#include "slab_registry.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/slab.h>

struct kmem_cache {
    std::string name;
    unsigned int size = 0;
    unsigned int align = 0;
    slab_flags_t flags = 0;
    void (*ctor)(void *) = nullptr;
    lkmfs::kernel::LoadedModule *owner = nullptr;
};

namespace {

using lkmfs::kernel::AllocKind;

class CacheList {
  public:
    kmem_cache *add(std::unique_ptr<kmem_cache> cache) {
        std::lock_guard lock(mutex_);
        caches_.push_back(std::move(cache));
        return caches_.back().get();
    }
    // Forgets `cache` (deleting it) if no object refers to it any more; otherwise it is
    // kept, so that the objects' reports can still name it.
    void remove(kmem_cache *cache) {
        std::lock_guard lock(mutex_);
        auto it = std::find_if(caches_.begin(), caches_.end(),
                               [&](const auto &c) { return c.get() == cache; });
        if (it == caches_.end())
            return;
        if (lkmfs::kernel::count_cache_objects(cache) == 0)
            caches_.erase(it);
        else
            (*it)->owner = nullptr; // destroyed: no longer its module's
    }
    std::vector<kmem_cache *> owned_by(const lkmfs::kernel::LoadedModule *module) {
        std::lock_guard lock(mutex_);
        std::vector<kmem_cache *> out;
        for (auto &c : caches_)
            if (c->owner == module)
                out.push_back(c.get());
        return out;
    }

  private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<kmem_cache>> caches_;
};

CacheList &caches() {
    static CacheList list;
    return list;
}

// The object alignment Linux uses: at least a word; a cache-line for SLAB_HWCACHE_ALIGN
// objects that are not tiny.
unsigned int object_alignment(unsigned int size, unsigned int align, slab_flags_t flags) {
    unsigned int a = std::max(align, static_cast<unsigned int>(sizeof(void *)));
    if ((flags & SLAB_HWCACHE_ALIGN) && size > 32)
        a = std::max(a, 64u);
    unsigned int pow2 = 1;
    while (pow2 < a)
        pow2 <<= 1;
    return pow2;
}

} // namespace

namespace lkmfs::kernel {

const char *kmem_cache_name(const kmem_cache *cache) {
    return cache != nullptr ? cache->name.c_str() : "?";
}

void destroy_caches_of(const LoadedModule *module) {
    for (kmem_cache *cache : caches().owned_by(module)) {
        std::size_t objects = count_cache_objects(cache);
        printk(KERN_WARNING "%s: kmem_cache %s still exists at unload (%zu object(s)); "
                            "destroyed\n",
               module->name().c_str(), cache->name.c_str(), objects);
        caches().remove(cache);
    }
}

} // namespace lkmfs::kernel

extern "C" struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size,
                                                         unsigned int align, slab_flags_t flags,
                                                         unsigned int, unsigned int,
                                                         void (*ctor)(void *)) {
    if (name == nullptr || size == 0 || size > KMALLOC_MAX_SIZE || (align & (align - 1)) != 0) {
        printk(KERN_WARNING "kmem_cache_create(%s) failed with error %d\n",
               name != nullptr ? name : "(null)", -EINVAL);
        WARN_ON(flags & SLAB_PANIC); // Linux panics here
        return nullptr;
    }
    auto cache = std::make_unique<kmem_cache>();
    cache->name = name;
    cache->size = size;
    cache->align = object_alignment(size, align, flags);
    cache->flags = flags;
    cache->ctor = ctor;
    cache->owner = lkmfs::kernel::exec_context().module;
    return caches().add(std::move(cache));
}

extern "C" struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
                                                unsigned int align, slab_flags_t flags,
                                                void (*ctor)(void *)) {
    return kmem_cache_create_usercopy(name, size, align, flags, 0, 0, ctor);
}

extern "C" void kmem_cache_destroy(struct kmem_cache *s) {
    if (s == nullptr)
        return;
    if (std::size_t left = lkmfs::kernel::count_cache_objects(s); left != 0) {
        // As Linux: the cache stays (its objects are still in use, or leaked).
        WARN(1, "kmem_cache_destroy %s: Slab cache still has objects (%zu)\n", s->name.c_str(),
             left);
        return;
    }
    caches().remove(s);
}

extern "C" int kmem_cache_shrink(struct kmem_cache *) {
    return 0; // nothing is cached beyond the live objects
}

// The constructor runs for every object handed out (Linux runs it when a slab page is
// filled, so a freed object keeps its constructed state; code may not tell the difference
// unless it relies on that state surviving a free).
extern "C" void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags) {
    LKMFS_MIGHT_ALLOC(flags);
    if (WARN_ON(s == nullptr))
        return nullptr;
    if (lkmfs::kernel::fault_inject::should_failslab(s->size, flags))
        return nullptr;
    bool zero = (flags & __GFP_ZERO) != 0;
    WARN_ON_ONCE(zero && s->ctor != nullptr); // Linux: a constructor and __GFP_ZERO conflict
    void *obj = lkmfs::kernel::allocate_object(s->size, s->align, AllocKind::Cache, s, zero);
    if (obj != nullptr && s->ctor != nullptr && !zero)
        s->ctor(obj);
    return obj;
}

extern "C" void kmem_cache_free(struct kmem_cache *s, void *objp) {
    if (objp == nullptr)
        return;
    lkmfs::kernel::free_object(objp, AllocKind::Cache, s, "kmem_cache_free",
                               __builtin_return_address(0));
}

extern "C" unsigned int kmem_cache_size(struct kmem_cache *s) {
    return s->size;
}
