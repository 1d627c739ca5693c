// Links between processes of a family: when a process gives a description its first slot,
// other processes may already hold the same description (they were forked before the slot
// existed, and a fork copies links, not future ones). The creator asks the kernel, with
// kcmp(KCMP_FILE), whether each live process of the family has that description under the
// same descriptor number (fork keeps numbers), and if so posts (number -> slot) to that
// process's inbox and sets its bit, so that the slot lives as long as it is held there too.
// The receiver takes its posts before it decides that a descriptor has no slot.
#pragma once

#include "identity.h"

#include <cstdint>

namespace seekmark {

// Posts to every other live process of the family whose descriptor n (for n in
// `numbers`) shares the description of this process's descriptor `myfd`.
void post_to_family(const Self &me, int myfd, const int *numbers, int count, int slot,
                    std::uint32_t gen) noexcept;

// Calls `take(fd, slot, gen)` for, and removes, every post in this process's inbox.
template <class Take>
void drain_posts(const Self &me, Take &&take) noexcept;

bool has_posts(const Self &me) noexcept;
// Posts for descriptors first..last (inclusive).
bool has_posts_in(const Self &me, int first, int last) noexcept;
void drop_posts_in(const Self &me, int first, int last) noexcept;
inline bool has_posts_for(const Self &me, int fd) noexcept {
    return has_posts_in(me, fd, fd);
}
inline void drop_posts_for(const Self &me, int fd) noexcept {
    drop_posts_in(me, fd, fd);
}

// In a child that was just forked: the posts its parent received after it last drained
// them (between preparing the fork and the fork itself) may concern descriptors the child
// inherited; those kcmp confirms are passed to `take` (the parent keeps them too).
template <class Take>
void copy_parent_posts(const Self &me, int parent_rec, Take &&take) noexcept;

// Packing of a post: fd (20 bits) | slot (12 bits) | gen (32 bits). gen != 0, so a post is
// never 0, which marks a free inbox entry.
inline std::uint64_t pack_post(int fd, int slot, std::uint32_t gen) noexcept {
    return (static_cast<std::uint64_t>(fd) << 44) | (static_cast<std::uint64_t>(slot) << 32) | gen;
}
inline int post_fd(std::uint64_t post) noexcept {
    return static_cast<int>(post >> 44);
}
inline int post_slot(std::uint64_t post) noexcept {
    return static_cast<int>((post >> 32) & 0xfff);
}
inline std::uint32_t post_gen(std::uint64_t post) noexcept {
    return static_cast<std::uint32_t>(post);
}

} // namespace seekmark

#include "posting_inl.h"
