// The files the core itself serves at the mount root: `modules` (/proc/modules) and
// `kmsg` (/dev/kmsg semantics).
#pragma once

namespace lkmfs::procfs {

class ProcTree;

void register_core_entries(ProcTree &tree);

} // namespace lkmfs::procfs
