#include "region.h"

#include "spinlock.h"
#include "syscalls.h"

#include <sys/mman.h>

namespace seekmark {

namespace {

constexpr std::uint64_t kMagic = 0x6b72616d6b656573; // "seekmark"

Region *g_region = nullptr;

bool pid_alive(int pid) noexcept {
    return pid > 0 && sys::kill(pid, 0) != -ESRCH;
}

void slot_free(int slot) noexcept {
    Slot &s = region()->slots[slot];
    atom(s.depth).store(0, std::memory_order_relaxed);
    atom(s.state).store(kSlotFree, std::memory_order_release);
}

void holder_gone(int slot) noexcept {
    if (atom(region()->slots[slot].holders).fetch_sub(1, std::memory_order_acq_rel) == 1) {
        slot_free(slot);
    }
}

std::uint64_t slot_mask(int slot) noexcept {
    return std::uint64_t{1} << (slot % 64);
}

} // namespace

Region *region() noexcept {
    return atom(g_region).load(std::memory_order_acquire);
}

bool region_create() noexcept {
    // MAP_SHARED: children forked later share it. MAP_NORESERVE: the 17 MB are address
    // space only; pages are touched (and counted) as stacks grow.
    const long addr = sys::call(SYS_mmap, 0, sizeof(Region), PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (sys::failed(addr)) {
        return false;
    }
    auto *r = reinterpret_cast<Region *>(addr);
    r->magic = kMagic;
    atom(g_region).store(r, std::memory_order_release);
    return true;
}

int record_alloc(int parent, int self_rec) noexcept {
    Region *r = region();
    for (int attempt = 0; attempt < 2; ++attempt) {
        const std::uint32_t start = atom(r->record_hint).load(std::memory_order_relaxed);
        for (std::uint32_t i = 0; i < kRecords; ++i) {
            const auto index = static_cast<int>((start + i) % kRecords);
            Record &rec = r->records[index];
            std::uint32_t expected = kRecordFree;
            if (atom(rec.state).compare_exchange_strong(expected, kRecordPending,
                                                        std::memory_order_acq_rel)) {
                atom(rec.parent).store(parent, std::memory_order_relaxed);
                atom(rec.pid).store(0, std::memory_order_relaxed);
                atom(r->record_hint)
                    .store(static_cast<std::uint32_t>(index + 1), std::memory_order_relaxed);
                return index;
            }
        }
        collect_garbage(self_rec);
    }
    return -1;
}

bool record_make_live(int rec, int pid) noexcept {
    // After a fork both parent and child claim the child's record, whichever runs first.
    Record &record = region()->records[rec];
    std::uint32_t state = kRecordPending;
    atom(record.pid).store(pid, std::memory_order_relaxed);
    return atom(record.state)
               .compare_exchange_strong(state, kRecordLive, std::memory_order_acq_rel) ||
           (state == kRecordLive && atom(record.pid).load(std::memory_order_relaxed) == pid);
}

void record_release(int rec) noexcept {
    Region *r = region();
    Record &record = r->records[rec];
    // Two processes may find the same dead record; the bits must be cleared once.
    std::uint32_t state = atom(record.state).load(std::memory_order_acquire);
    do {
        if (state != kRecordLive && state != kRecordPending) {
            return;
        }
    } while (!atom(record.state)
                  .compare_exchange_weak(state, kRecordReleasing, std::memory_order_acq_rel));
    for (std::uint32_t w = 0; w < kSlots / 64; ++w) {
        std::uint64_t bits = atom(record.bits[w]).exchange(0, std::memory_order_acq_rel);
        while (bits != 0) {
            const int bit = __builtin_ctzll(bits);
            bits &= bits - 1;
            holder_gone(static_cast<int>(w * 64) + bit);
        }
    }
    for (std::uint64_t &post : record.inbox) {
        atom(post).store(0, std::memory_order_relaxed);
    }
    // A lock its process died holding would otherwise look owned by the next process that
    // gets this record.
    for (Slot &slot : r->slots) {
        std::uint64_t owner = atom(slot.lock).load(std::memory_order_relaxed);
        if (owner != 0 && static_cast<int>(owner >> 32) == rec + 1) {
            atom(slot.lock).compare_exchange_strong(owner, 0, std::memory_order_release);
        }
    }
    atom(record.closing).store(0, std::memory_order_relaxed);
    atom(record.pid).store(0, std::memory_order_relaxed);
    atom(record.parent).store(-1, std::memory_order_relaxed);
    atom(record.state).store(kRecordFree, std::memory_order_release);
}

bool record_alive(int rec) noexcept {
    if (rec < 0 || rec >= static_cast<int>(kRecords)) {
        return false;
    }
    Record &record = region()->records[rec];
    const std::uint32_t state = atom(record.state).load(std::memory_order_acquire);
    if (state == kRecordFree || state == kRecordReleasing) {
        return false;
    }
    if (state == kRecordPending) {
        // Being forked: alive as long as the process forking it is.
        const int parent = atom(record.parent).load(std::memory_order_relaxed);
        return parent >= 0 && parent != rec && record_alive(parent);
    }
    return pid_alive(atom(record.pid).load(std::memory_order_relaxed));
}

int slot_alloc(int self_rec, std::uint32_t &gen) noexcept {
    Region *r = region();
    for (int attempt = 0; attempt < 2; ++attempt) {
        const std::uint32_t start = atom(r->slot_hint).load(std::memory_order_relaxed);
        for (std::uint32_t i = 0; i < kSlots; ++i) {
            const auto index = static_cast<int>((start + i) % kSlots);
            Slot &slot = r->slots[index];
            std::uint32_t expected = kSlotFree;
            if (atom(slot.state).load(std::memory_order_relaxed) != kSlotFree ||
                !atom(slot.state)
                     .compare_exchange_strong(expected, kSlotUsed, std::memory_order_acq_rel)) {
                continue;
            }
            gen = atom(slot.gen).load(std::memory_order_relaxed) + 1;
            if (gen == 0) {
                gen = 1; // 0 never names a live slot
            }
            atom(slot.gen).store(gen, std::memory_order_relaxed);
            atom(slot.depth).store(0, std::memory_order_relaxed);
            bit_set(self_rec, index);
            atom(r->slot_hint)
                .store(static_cast<std::uint32_t>(index + 1), std::memory_order_relaxed);
            return index;
        }
        collect_garbage(self_rec);
    }
    return -1;
}

bool slot_valid(int slot, std::uint32_t gen) noexcept {
    Slot &s = region()->slots[slot];
    return atom(s.state).load(std::memory_order_acquire) == kSlotUsed &&
           atom(s.gen).load(std::memory_order_relaxed) == gen;
}

bool bit_set(int rec, int slot) noexcept {
    std::uint64_t &word = region()->records[rec].bits[slot / 64];
    const std::uint64_t mask = slot_mask(slot);
    if ((atom(word).fetch_or(mask, std::memory_order_acq_rel) & mask) != 0) {
        return false;
    }
    atom(region()->slots[slot].holders).fetch_add(1, std::memory_order_acq_rel);
    return true;
}

void bit_clear(int rec, int slot) noexcept {
    std::uint64_t &word = region()->records[rec].bits[slot / 64];
    const std::uint64_t mask = slot_mask(slot);
    if ((atom(word).fetch_and(~mask, std::memory_order_acq_rel) & mask) != 0) {
        holder_gone(slot);
    }
}

bool bit_test(int rec, int slot) noexcept {
    std::uint64_t &word = region()->records[rec].bits[slot / 64];
    return (atom(word).load(std::memory_order_acquire) & slot_mask(slot)) != 0;
}

void collect_garbage(int self_rec) noexcept {
    Region *r = region();
    const std::uint64_t me = owner_id(self_rec);
    if (!try_lock(r->gc_lock, me)) {
        sys::sched_yield(); // someone else is collecting; the caller retries once
        return;
    }
    for (int rec = 0; rec < static_cast<int>(kRecords); ++rec) {
        const std::uint32_t state = atom(r->records[rec].state).load(std::memory_order_acquire);
        if (rec == self_rec || (state != kRecordLive && state != kRecordPending)) {
            continue;
        }
        if (!record_alive(rec)) {
            record_release(rec);
        }
    }
    unlock(r->gc_lock);
}

} // namespace seekmark
