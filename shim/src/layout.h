// The memory the shim works in: one region shared by a process and every child it forks
// (so that a description inherited across fork keeps one stack), laid out as plain
// integers that are only ever touched through atomics (std::atomic_ref) or under a slot's
// lock. Nothing here is allocated with malloc: the region is one anonymous mapping.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include <seekmark.h>

namespace seekmark {

// Limits (documented in docs/seekmark.md).
inline constexpr std::uint32_t kStackMax = SEEKMARK_STACK_MAX; // bookmarks per description
inline constexpr std::uint32_t kSlots = 2048;   // descriptions with bookmarks, per family
inline constexpr std::uint32_t kRecords = 1024; // processes registered at once, per family
inline constexpr std::uint32_t kInbox = 64;     // links posted to one process, not yet taken
inline constexpr int kMaxFd = 1 << 20;          // descriptors the shim tracks: 0 .. kMaxFd-1

static_assert(kSlots % 64 == 0 && kSlots <= 4096, "slot index must fit 12 bits");

enum SlotState : std::uint32_t { kSlotFree = 0, kSlotUsed = 1 };
enum RecordState : std::uint32_t {
    kRecordFree = 0,
    kRecordPending = 1,
    kRecordLive = 2,
    kRecordReleasing = 3, // taken by whoever releases it: only one process may
};

// The stack of one open file description. Its bookmarks live in Region::stacks[index].
struct alignas(64) Slot {
    std::uint64_t lock;    // owner id (see spinlock.h), 0 when free
    std::uint32_t gen;     // bumped at every allocation; never 0 once allocated
    std::uint32_t state;   // SlotState
    std::uint32_t holders; // records whose bitset has this slot; the slot is freed at 0
    std::uint32_t depth;   // bookmarks on the stack
};

// One process of the family. Other processes read its pid (for kcmp and liveness checks)
// and post links into its inbox; only the process itself takes them out.
struct Record {
    std::uint32_t state;     // RecordState
    std::int32_t pid;        // 0 while Pending (between fork's preparation and its return)
    std::int32_t parent;     // record index of the process that forked it, or -1
    std::uint32_t closing;   // close() calls in progress (see links.cpp, posting)
    std::uint32_t close_seq; // close() calls completed
    std::uint32_t pad;
    std::uint64_t inbox[kInbox];     // packed (fd, slot, gen), 0 = empty
    std::uint64_t bits[kSlots / 64]; // slots this process may hold
};

struct Region {
    std::uint64_t magic;
    std::uint64_t gc_lock;
    std::uint32_t slot_hint;
    std::uint32_t record_hint;
    Slot slots[kSlots];
    Record records[kRecords];
    std::int64_t stacks[kSlots][kStackMax];
};

template <class T>
inline std::atomic_ref<T> atom(T &value) noexcept {
    return std::atomic_ref<T>(value);
}

} // namespace seekmark
