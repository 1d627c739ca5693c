// vmalloc and kvmalloc (<linux/vmalloc.h>, <linux/slab.h>): page-aligned objects from the
// same accounted registry as kmalloc's (slab_registry.h), without kmalloc's size limit.
#include "might_sleep.h"
#include "fault_inject.h"
#include "kmemleak.h"
#include "slab_registry.h"

#include <climits>
#include <cstring>

#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

using lkmfs::kernel::AllocKind;

namespace {

constexpr std::size_t kPage = 4096;

// Inlined into each API function, whose name kmemleak's backtrace then shows.
[[gnu::always_inline]] inline void *vmalloc_object(unsigned long size, gfp_t flags) {
    LKMFS_MIGHT_ALLOC(flags);
    if (WARN_ON_ONCE(size == 0))
        return nullptr;
    if (lkmfs::kernel::fault_inject::should_failslab(size, flags))
        return nullptr;
    void *obj = lkmfs::kernel::allocate_object(size, kPage, AllocKind::Vmalloc, nullptr,
                                               (flags & __GFP_ZERO) != 0);
    if (obj == nullptr && !(flags & __GFP_NOWARN))
        printk(KERN_WARNING "vmalloc error: size %lu, allocation failed\n", size);
    return obj;
}

} // namespace

extern "C" void *__vmalloc(unsigned long size, gfp_t gfp_mask) {
    return vmalloc_object(size, gfp_mask);
}

extern "C" void *vmalloc(unsigned long size) {
    return vmalloc_object(size, GFP_KERNEL);
}

extern "C" void *vzalloc(unsigned long size) {
    return vmalloc_object(size, GFP_KERNEL | __GFP_ZERO);
}

// Memory meant to be mapped to user space: zeroed, so nothing of the kernel's leaks.
extern "C" void *vmalloc_user(unsigned long size) {
    return vmalloc_object(size, GFP_KERNEL | __GFP_ZERO);
}

extern "C" void *vmalloc_node(unsigned long size, int) {
    return vmalloc(size);
}

extern "C" void *vzalloc_node(unsigned long size, int) {
    return vzalloc(size);
}

extern "C" void *vmalloc_32(unsigned long size) {
    return vmalloc(size);
}

extern "C" void *__vmalloc_array(size_t n, size_t size, gfp_t flags) {
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes))
        return nullptr;
    return __vmalloc(bytes, flags);
}

extern "C" void *vmalloc_array(size_t n, size_t size) {
    return __vmalloc_array(n, size, GFP_KERNEL);
}

extern "C" void *__vcalloc(size_t n, size_t size, gfp_t flags) {
    return __vmalloc_array(n, size, flags | __GFP_ZERO);
}

extern "C" void *vcalloc(size_t n, size_t size) {
    return __vmalloc_array(n, size, GFP_KERNEL | __GFP_ZERO);
}

extern "C" void vfree(const void *addr) {
    if (addr == nullptr)
        return;
    lkmfs::kernel::free_object(addr, AllocKind::Vmalloc, nullptr, "vfree",
                               __builtin_return_address(0));
}

extern "C" void vfree_atomic(const void *addr) {
    vfree(addr);
}

extern "C" bool is_vmalloc_addr(const void *x) {
    return lkmfs::kernel::allocated_kind(x) == AllocKind::Vmalloc;
}

// As Linux: kmalloc first (quietly), vmalloc when kmalloc cannot serve the size; flags
// that do not allow sleeping (GFP_ATOMIC) cannot use vmalloc at all.
extern "C" void *kvmalloc_node(size_t size, gfp_t flags, int) {
    // One decision for the call, not one for each allocator it tries.
    if (lkmfs::kernel::fault_inject::should_failslab(size, flags))
        return nullptr;
    lkmfs::kernel::fault_inject::DecidedScope decided;
    if (size > INT_MAX) {
        WARN_ON_ONCE(!(flags & __GFP_NOWARN));
        return nullptr;
    }
    void *p = size <= KMALLOC_MAX_SIZE ? kmalloc(size, flags | __GFP_NOWARN) : nullptr;
    if (p != nullptr || (flags & GFP_KERNEL) != GFP_KERNEL)
        return p;
    return __vmalloc(size, flags);
}

extern "C" void kvfree(const void *addr) {
    if (is_vmalloc_addr(addr))
        vfree(addr);
    else
        kfree(addr);
}

extern "C" void kvfree_sensitive(const void *addr, size_t len) {
    if (addr != nullptr && !ZERO_OR_NULL_PTR(addr))
        explicit_bzero(const_cast<void *>(addr), len);
    kvfree(addr);
}

extern "C" void *kvrealloc(const void *p, size_t oldsize, size_t newsize, gfp_t flags) {
    if (oldsize >= newsize)
        return const_cast<void *>(p);
    void *fresh = kvmalloc(newsize, flags);
    if (fresh == nullptr)
        return nullptr;
    if (p != nullptr && oldsize != 0)
        std::memcpy(fresh, p, oldsize);
    kvfree(p);
    return fresh;
}
