#include "user_window.h"

#include <sys/mman.h>

#include <array>
#include <atomic>

namespace lkmfs::kernel {

namespace {

constexpr std::uintptr_t kPageMask = 4095;
constexpr std::size_t kBitsPerWord = 64;
constexpr std::size_t kWords = kUserSlotCount / kBitsPerWord;
static_assert(kUserSlotCount % kBitsPerWord == 0);

// A slot's buffer while a call holds it, for the oops report (which may run on another
// thread than the holder: a timer callback using an address it kept).
struct SlotRecord {
    std::atomic<std::uintptr_t> start{0}; // user address of the buffer; 0: slot free
    std::atomic<std::size_t> size{0};
    std::atomic<bool> writable{false};
};

struct Window {
    std::uintptr_t start = 0; // 0: the reservation failed; buffers keep their own address
    std::array<std::atomic<std::uint64_t>, kWords> used{};
    std::array<SlotRecord, kUserSlotCount> slots{};

    Window() {
        // Address space only: PROT_NONE and MAP_NORESERVE cost no memory and no commit
        // charge, whatever the size.
        void *p = ::mmap(nullptr, kUserSlotCount * kUserSlotSize, PROT_NONE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED)
            start = reinterpret_cast<std::uintptr_t>(p);
    }
};

Window &window() {
    static Window *w = new Window; // never unmapped: a stale address must keep faulting
    return *w;
}

// Where this thread looks for a free slot first: the one it had last, so that a worker
// thread keeps to one cache line of the bitmap.
thread_local std::size_t t_slot_hint = 0;

int acquire_slot(Window &w) {
    for (std::size_t k = 0; k < kWords; ++k) {
        std::size_t word = (t_slot_hint / kBitsPerWord + k) % kWords;
        std::uint64_t bits = w.used[word].load(std::memory_order_relaxed);
        while (bits != ~std::uint64_t{0}) {
            unsigned bit = static_cast<unsigned>(__builtin_ctzll(~bits));
            if (w.used[word].compare_exchange_weak(bits, bits | (std::uint64_t{1} << bit),
                                                   std::memory_order_acquire)) {
                t_slot_hint = word * kBitsPerWord + bit;
                return static_cast<int>(t_slot_hint);
            }
        }
    }
    return -1;
}

void release_slot(Window &w, int slot) {
    auto index = static_cast<std::size_t>(slot);
    w.used[index / kBitsPerWord].fetch_and(~(std::uint64_t{1} << (index % kBitsPerWord)),
                                           std::memory_order_release);
}

} // namespace

UserBufferScope::UserBufferScope(void *base, std::size_t size, bool writable)
    : saved_(exec_context().user), base_(reinterpret_cast<std::uintptr_t>(base)), address_(base_) {
    Window &w = window();
    // The slot address keeps the buffer's offset in its page, as a real buffer would have.
    std::uintptr_t page_offset = base_ & kPageMask;
    if (w.start != 0 && base != nullptr && size <= kUserSlotSize - page_offset)
        slot_ = acquire_slot(w);
    if (slot_ >= 0) {
        address_ = w.start + static_cast<std::uintptr_t>(slot_) * kUserSlotSize + page_offset;
        SlotRecord &r = w.slots[static_cast<std::size_t>(slot_)];
        r.size.store(size, std::memory_order_relaxed);
        r.writable.store(writable, std::memory_order_relaxed);
        r.start.store(address_, std::memory_order_release);
    }
    exec_context().user = UserWindow{static_cast<unsigned char *>(base), size, writable, address_};
}

UserBufferScope::~UserBufferScope() {
    exec_context().user = saved_;
    if (slot_ >= 0) {
        Window &w = window();
        w.slots[static_cast<std::size_t>(slot_)].start.store(0, std::memory_order_relaxed);
        release_slot(w, slot_);
    }
}

std::uintptr_t UserBufferScope::user_address_of(const void *p) const {
    return address_ + (reinterpret_cast<std::uintptr_t>(p) - base_);
}

UserAddressInfo describe_user_address(std::uintptr_t address) {
    const Window &w = window();
    UserAddressInfo info;
    if (w.start == 0 || address < w.start || address >= user_window_end())
        return info;
    info.in_window = true;
    const SlotRecord &r = w.slots[(address - w.start) / kUserSlotSize];
    std::uintptr_t start = r.start.load(std::memory_order_acquire);
    std::size_t size = r.size.load(std::memory_order_relaxed);
    if (start != 0 && address >= start && address - start < size) {
        info.mapped = true;
        info.offset = address - start;
        info.size = size;
        info.writable = r.writable.load(std::memory_order_relaxed);
    }
    return info;
}

std::uintptr_t user_window_start() {
    return window().start;
}

std::uintptr_t user_window_end() {
    const Window &w = window();
    return w.start == 0 ? 0 : w.start + kUserSlotCount * kUserSlotSize;
}

} // namespace lkmfs::kernel
