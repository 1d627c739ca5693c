// Template parts of posting.h.
#pragma once

#include "layout.h"
#include "region.h"
#include "syscalls.h"

namespace seekmark {

template <class Take>
void drain_posts(const Self &me, Take &&take) noexcept {
    for (std::uint64_t &entry : region()->records[me.rec].inbox) {
        if (atom(entry).load(std::memory_order_relaxed) == 0) {
            continue;
        }
        const std::uint64_t post = atom(entry).exchange(0, std::memory_order_acq_rel);
        if (post != 0) {
            take(post_fd(post), post_slot(post), post_gen(post));
        }
    }
}

template <class Take>
void copy_parent_posts(const Self &me, int parent_rec, Take &&take) noexcept {
    if (parent_rec < 0) {
        return;
    }
    Record &parent = region()->records[parent_rec];
    const int parent_pid = atom(parent.pid).load(std::memory_order_relaxed);
    for (std::uint64_t &entry : parent.inbox) {
        const std::uint64_t post = atom(entry).load(std::memory_order_acquire);
        if (post != 0 && parent_pid > 0 &&
            sys::same_file(me.pid, parent_pid, post_fd(post), post_fd(post)) == 0) {
            take(post_fd(post), post_slot(post), post_gen(post));
        }
    }
}

} // namespace seekmark
