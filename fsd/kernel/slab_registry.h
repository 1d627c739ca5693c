// The kmalloc'd objects that are alive, known to the allocator itself (not stored next to
// the objects, where a module's overflow could corrupt it).
#pragma once

namespace lkmfs::kernel {

bool is_live_kmalloc_object(const void *obj);

} // namespace lkmfs::kernel
