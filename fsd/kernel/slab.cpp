// kmalloc and friends (<linux/slab.h>). Each object carries a small header naming the
// stats record it is charged to, so kfree knows whom to credit and ksize the size.
#include "alloc_stats.h"
#include "exec_context.h"
#include "loaded_module.h"

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

constexpr std::uint32_t kLiveMagic = 0x6b6d616c;  // "kmal"
constexpr std::uint32_t kFreedMagic = 0x66726565; // "free"

struct alignas(16) ObjectHeader {
    std::size_t size;
    AllocStats *stats;
    std::uint32_t magic;
};
static_assert(sizeof(ObjectHeader) % 16 == 0);

ObjectHeader *header_of(const void *obj) {
    return reinterpret_cast<ObjectHeader *>(const_cast<char *>(static_cast<const char *>(obj)) -
                                            sizeof(ObjectHeader));
}

AllocStats *current_stats() {
    auto *module = lkmfs::kernel::exec_context().module;
    return module != nullptr ? module->alloc_stats() : lkmfs::kernel::kernel_alloc_stats();
}

} // namespace

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
    auto *header = static_cast<ObjectHeader *>(std::malloc(sizeof(ObjectHeader) + size));
    if (header == nullptr)
        return nullptr;
    AllocStats *stats = current_stats();
    *header = ObjectHeader{size, stats, kLiveMagic};
    stats->live_bytes += size;
    stats->live_objects += 1;
    stats->total_allocations += 1;
    void *obj = header + 1;
    if (flags & __GFP_ZERO)
        std::memset(obj, 0, size);
    return obj;
}

extern "C" void kfree(const void *obj) {
    if (ZERO_OR_NULL_PTR(obj))
        return;
    ObjectHeader *header = header_of(obj);
    if (header->magic != kLiveMagic) {
        printk(KERN_ERR "BUG: kfree of %p: %s\n", obj,
               header->magic == kFreedMagic ? "double free" : "not a kmalloc'd object");
        return;
    }
    header->magic = kFreedMagic;
    header->stats->live_bytes -= header->size;
    header->stats->live_objects -= 1;
    std::free(header);
}

extern "C" void kfree_sensitive(const void *obj) {
    if (ZERO_OR_NULL_PTR(obj))
        return;
    explicit_bzero(const_cast<void *>(obj), header_of(obj)->size);
    kfree(obj);
}

extern "C" size_t ksize(const void *obj) {
    if (ZERO_OR_NULL_PTR(obj))
        return 0;
    return header_of(obj)->size;
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
