// This process's view of its descriptors: for each descriptor number, the slot of its
// description, or the dup group it belongs to before its description has a slot.
//
// It lives in private memory on purpose: fork copies it at the very instant it copies the
// kernel's descriptor table, so a child starts with exactly its parent's links and no
// synchronisation is needed. It is kept true by the wrappers: dup/dup2/dup3/F_DUPFD link a
// new number to the old one's description; close (and fclose, closedir...) unlink; calls
// that create descriptors (open, fopen, socket...) clear whatever a number held before.
//
// Two-level table: 1024 chunks of 1024 entries, each chunk mapped at its first use.
// Entries are atomic words, so wrappers running in signal handlers and in several threads
// see each other's updates whole.
#pragma once

#include <cstdint>

namespace seekmark::fdt {

using Entry = std::uint64_t; // 0: nothing known about this descriptor

inline constexpr Entry kSlotTag = std::uint64_t{1} << 63;
inline constexpr Entry kGroupTag = std::uint64_t{1} << 62;

inline Entry slot_entry(int slot, std::uint32_t gen) noexcept {
    return kSlotTag | (static_cast<std::uint64_t>(slot) << 32) | gen;
}
inline Entry group_entry(std::uint32_t group) noexcept {
    return kGroupTag | group;
}
inline bool is_slot(Entry e) noexcept {
    return (e & kSlotTag) != 0;
}
inline bool is_group(Entry e) noexcept {
    return (e & kGroupTag) != 0;
}
inline int slot_of(Entry e) noexcept {
    return static_cast<int>((e >> 32) & 0xfff);
}
inline std::uint32_t gen_of(Entry e) noexcept {
    return static_cast<std::uint32_t>(e);
}

Entry get(int fd) noexcept;
// Stores `e`; false if fd is out of range or its chunk could not be mapped.
bool put(int fd, Entry e) noexcept;
bool replace(int fd, Entry expected, Entry desired) noexcept;
Entry take(int fd) noexcept;
// One past the highest descriptor that ever had an entry: the end of every scan.
int end() noexcept;
std::uint32_t new_group() noexcept;

// How many of this process's descriptors are linked to `slot`.
void ref_add(int slot) noexcept;
// Returns true when the count reached zero.
bool ref_drop(int slot) noexcept;
std::uint32_t refs(int slot) noexcept;

} // namespace seekmark::fdt
