#include "process.h"

#include "fd_table.h"
#include "links.h"
#include "posting.h"
#include "region.h"
#include "syscalls.h"

namespace seekmark {

namespace {

// Makes this process's bits match its table: a bit for every slot a descriptor is linked
// to, none for the others. Links to slots that died are dropped.
void reconcile_bits(int rec) noexcept {
    const int end = fdt::end();
    for (int fd = 0; fd < end; ++fd) {
        const fdt::Entry e = fdt::get(fd);
        if (fdt::is_slot(e) && !slot_valid(fdt::slot_of(e), fdt::gen_of(e)) &&
            fdt::replace(fd, e, 0)) {
            fdt::ref_drop(fdt::slot_of(e));
        }
    }
    for (int slot = 0; slot < static_cast<int>(kSlots); ++slot) {
        if (fdt::refs(slot) != 0) {
            bit_set(rec, slot);
        } else if (bit_test(rec, slot)) {
            bit_clear(rec, slot);
        }
    }
}

void adopt_parent_posts(const Self &me, int parent_rec) noexcept {
    copy_parent_posts(me, parent_rec, [&](int fd, int slot, std::uint32_t gen) {
        if (fdt::get(fd) == 0 && slot_valid(slot, gen) &&
            fdt::replace(fd, 0, fdt::slot_entry(slot, gen))) {
            fdt::ref_add(slot);
            bit_set(me.rec, slot);
        }
    });
}

} // namespace

bool register_root() noexcept {
    const int rec = record_alloc(-1, -1);
    if (rec < 0) {
        return false;
    }
    const auto pid = static_cast<int>(sys::getpid());
    record_make_live(rec, pid);
    identity_set(rec, pid);
    return true;
}

bool register_process(Self &me) noexcept {
    const int parent = identity_previous_rec();
    const int rec = record_alloc(parent, parent);
    if (rec < 0) {
        return false;
    }
    const auto pid = static_cast<int>(sys::getpid());
    record_make_live(rec, pid);
    identity_set(rec, pid);
    me.rec = rec;
    me.pid = pid;
    if (parent >= 0) {
        reconcile_bits(rec);
        adopt_parent_posts(me, parent);
    }
    return true;
}

int prepare_child(const Self &parent) noexcept {
    const int child = record_alloc(parent.rec, parent.rec);
    if (child < 0) {
        return -1;
    }
    take_posts(parent); // so that the child's copy of our table has them
    Record &from = region()->records[parent.rec];
    for (std::uint32_t w = 0; w < kSlots / 64; ++w) {
        std::uint64_t bits = atom(from.bits[w]).load(std::memory_order_acquire);
        while (bits != 0) {
            bit_set(child, static_cast<int>(w * 64) + __builtin_ctzll(bits));
            bits &= bits - 1;
        }
    }
    return child;
}

void start_child(int child_rec, int parent_rec) noexcept {
    const auto pid = static_cast<int>(sys::getpid());
    if (!record_make_live(child_rec, pid)) {
        return; // the record was collected meanwhile: register at first use instead
    }
    identity_set(child_rec, pid);
    Self me{child_rec, pid};
    // Other threads of the parent may have linked or unlinked between the copy of the bits
    // and the fork.
    reconcile_bits(child_rec);
    adopt_parent_posts(me, parent_rec);
}

void child_forked(int child_rec, int pid) noexcept {
    record_make_live(child_rec, pid);
}

void fork_failed(int child_rec) noexcept {
    record_release(child_rec);
}

} // namespace seekmark
