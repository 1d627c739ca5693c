// The allocator's record of live objects (kmalloc, vmalloc, kmem_cache), kept by the
// allocator itself (not next to the objects, where a module's overflow could corrupt it).
// Each object is charged to the module whose code allocated it.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

struct kmem_cache;

namespace lkmfs::kernel {

enum class AllocKind { Kmalloc, Vmalloc, Cache };

const char *alloc_kind_name(AllocKind kind);

// A new object of `size` bytes, aligned to `align` (a power of two), charged to the
// current module; null when the host is out of memory.
void *allocate_object(std::size_t size, std::size_t align, AllocKind kind, const kmem_cache *cache,
                      bool zero);
// Frees `obj` if it is a live object of `kind` (from `cache`); otherwise reports the
// misuse as `caller`'s ("BUG: vfree of 0x...: the object was allocated with kmalloc") and
// leaves everything as it was.
// `return_address` is the API function's caller (where a later double free says the
// object was freed).
bool free_object(const void *obj, AllocKind kind, const kmem_cache *cache, const char *caller,
                 const void *return_address);
std::optional<AllocKind> allocated_kind(const void *obj);
std::size_t count_cache_objects(const kmem_cache *cache);

bool is_live_kmalloc_object(const void *obj);

// The live objects charged to `stats` (a module's), for kmemleak's report at its unload.
struct AllocStats;
struct LeakedObject;
std::vector<LeakedObject> objects_charged_to(const AllocStats *stats);

// kmem_cache.cpp: a cache's name, and the caches a module made and never destroyed
// (destroyed here, with a warning).
const char *kmem_cache_name(const kmem_cache *cache);
class LoadedModule;
void destroy_caches_of(const LoadedModule *module);

} // namespace lkmfs::kernel
