#include "links.h"

#include "fd_table.h"
#include "init.h"
#include "posting.h"
#include "process.h"
#include "region.h"

#include <algorithm>

namespace seekmark {

namespace {

constexpr int kMaxPosted = 64; // dup group members posted to the family, at most

// Links fd to (slot, gen) as a post asks; false if fd already has another valid slot.
bool apply_link(const Self &me, int fd, int slot, std::uint32_t gen) noexcept {
    const fdt::Entry linked = fdt::slot_entry(slot, gen);
    for (;;) {
        const fdt::Entry cur = fdt::get(fd);
        if (cur == linked) {
            return true;
        }
        if (fdt::is_slot(cur) && slot_valid(fdt::slot_of(cur), fdt::gen_of(cur))) {
            return false;
        }
        if (fdt::is_group(cur)) {
            // The whole dup group shares the description.
            const int end = fdt::end();
            for (int other = 0; other < end; ++other) {
                if (fdt::replace(other, cur, linked)) {
                    fdt::ref_add(slot);
                }
            }
            bit_set(me.rec, slot);
            return true;
        }
        if (fdt::replace(fd, cur, linked)) {
            if (fdt::is_slot(cur) && fdt::ref_drop(fdt::slot_of(cur))) {
                bit_clear(me.rec, fdt::slot_of(cur));
            }
            fdt::ref_add(slot);
            bit_set(me.rec, slot);
            return true;
        }
    }
}

void unlink_entry(const Self &me, fdt::Entry old) noexcept {
    if (fdt::is_slot(old) && fdt::ref_drop(fdt::slot_of(old)) && me.rec >= 0) {
        bit_clear(me.rec, fdt::slot_of(old));
    }
}

} // namespace

bool self_get(Self &me) noexcept {
    // ensure_init() registers the first process of a family itself.
    return identity_get(me) || (ensure_init() && (identity_get(me) || register_process(me)));
}

void take_posts(const Self &me) noexcept {
    if (!has_posts(me)) {
        return;
    }
    drain_posts(me, [&](int fd, int slot, std::uint32_t gen) {
        if (!slot_valid(slot, gen) || !apply_link(me, fd, slot, gen)) {
            if (fdt::refs(slot) == 0) {
                bit_clear(me.rec, slot);
            }
        }
    });
}

bool find_slot(const Self &me, int fd, int &slot) noexcept {
    for (int pass = 0; pass < 2; ++pass) {
        const fdt::Entry e = fdt::get(fd);
        if (fdt::is_slot(e)) {
            if (slot_valid(fdt::slot_of(e), fdt::gen_of(e))) {
                slot = fdt::slot_of(e);
                return true;
            }
            if (fdt::replace(fd, e, 0)) { // the slot died under a stale link
                unlink_entry(me, e);
            }
        }
        if (pass == 0) {
            take_posts(me);
        }
    }
    return false;
}

bool create_slot(const Self &me, int fd, int &slot) noexcept {
    const fdt::Entry cur = fdt::get(fd);
    std::uint32_t gen = 0;
    const int fresh = slot_alloc(me.rec, gen);
    if (fresh < 0) {
        return false;
    }
    const fdt::Entry linked = fdt::slot_entry(fresh, gen);
    int numbers[kMaxPosted];
    int count = 0;
    if (fdt::is_group(cur)) {
        const int end = fdt::end();
        for (int other = 0; other < end; ++other) {
            if (fdt::replace(other, cur, linked)) {
                fdt::ref_add(fresh);
                if (count < kMaxPosted) {
                    numbers[count++] = other;
                }
            }
        }
    } else if (fdt::replace(fd, cur, linked)) {
        fdt::ref_add(fresh);
        numbers[count++] = fd;
    }
    if (count == 0 || fdt::get(fd) != linked) {
        // Another thread linked fd first: use its slot.
        if (fdt::refs(fresh) == 0) {
            bit_clear(me.rec, fresh);
        }
        return find_slot(me, fd, slot);
    }
    post_to_family(me, fd, numbers, count, fresh, gen);
    slot = fresh;
    return true;
}

void note_dup(const Self &me, int oldfd, int newfd) noexcept {
    take_posts(me);
    drop_posts_for(me, newfd);
    unlink_entry(me, fdt::take(newfd)); // dup2 onto an open number closed its description
    for (;;) {
        const fdt::Entry cur = fdt::get(oldfd);
        if (fdt::is_slot(cur) && slot_valid(fdt::slot_of(cur), fdt::gen_of(cur))) {
            if (fdt::put(newfd, cur)) {
                fdt::ref_add(fdt::slot_of(cur));
            }
            return;
        }
        if (fdt::is_group(cur)) {
            fdt::put(newfd, cur);
            return;
        }
        // No slot yet: remember that the two share a description, for when one gets one.
        const fdt::Entry group = fdt::group_entry(fdt::new_group());
        if (fdt::replace(oldfd, cur, group)) {
            unlink_entry(me, cur);
            fdt::put(newfd, group);
            return;
        }
    }
}

void note_closed(const Self &me, int fd) noexcept {
    unlink_entry(me, fdt::take(fd));
    if (me.rec >= 0) {
        drop_posts_for(me, fd);
    }
}

ClosingScope::ClosingScope(int first, int last) noexcept : first_(std::max(first, 0)), last_(last) {
    const int end = std::min(last_, fdt::end() - 1);
    bool any = false;
    for (int fd = first_; fd <= end && !any; ++fd) {
        any = fdt::get(fd) != 0;
    }
    if (!identity_get(me_) && !(any && self_get(me_))) {
        return; // not registered, and nothing to unlink
    }
    atom(region()->records[me_.rec].closing).fetch_add(1, std::memory_order_acq_rel);
    counted_ = true;
    // A post for a number about to close may be the only news of a slot for its whole dup
    // group: take the posts while the number still names the posted description.
    if (has_posts_in(me_, first_, last_) && mine()) {
        take_posts(me_);
    }
    if (any && mine()) {
        for (int fd = first_; fd <= end; ++fd) {
            if (fdt::get(fd) != 0) {
                note_closed(me_, fd);
            }
        }
        drop_posts_in(me_, first_, last_);
    }
}

ClosingScope::~ClosingScope() {
    if (!counted_) {
        return;
    }
    Record &record = region()->records[me_.rec];
    if (has_posts_in(me_, first_, last_) && mine()) {
        drop_posts_in(me_, first_, last_);
    }
    atom(record.close_seq).fetch_add(1, std::memory_order_acq_rel);
    atom(record.closing).fetch_sub(1, std::memory_order_acq_rel);
}

bool ClosingScope::mine() noexcept {
    if (borrowed_ < 0) {
        borrowed_ = borrowed_memory(me_) ? 1 : 0;
    }
    return borrowed_ == 0;
}

void note_fresh(int fd) noexcept {
    Self me;
    const bool registered = identity_get(me);
    if (fdt::get(fd) == 0 && !(registered && has_posts_for(me, fd))) {
        return;
    }
    if ((registered || self_get(me)) && !borrowed_memory(me)) {
        note_closed(me, fd);
    }
}

} // namespace seekmark
