#include "fd_table.h"

#include "layout.h"
#include "syscalls.h"

#include <sys/mman.h>

namespace seekmark::fdt {

namespace {

constexpr int kChunk = 1024;
constexpr int kChunks = kMaxFd / kChunk;

Entry *g_chunks[kChunks];
int g_end = 0;
std::uint32_t g_next_group = 0;
std::uint32_t g_refs[kSlots];

Entry *chunk(int fd, bool create) noexcept {
    Entry *&cell = g_chunks[fd / kChunk];
    Entry *c = atom(cell).load(std::memory_order_acquire);
    if (c != nullptr || !create) {
        return c;
    }
    const long addr = sys::call(SYS_mmap, 0, kChunk * sizeof(Entry), PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sys::failed(addr)) {
        return nullptr;
    }
    Entry *fresh = reinterpret_cast<Entry *>(addr);
    if (!atom(cell).compare_exchange_strong(c, fresh, std::memory_order_acq_rel)) {
        sys::call(SYS_munmap, addr, kChunk * sizeof(Entry)); // another thread was first
        return c;
    }
    return fresh;
}

bool in_range(int fd) noexcept {
    return fd >= 0 && fd < kMaxFd;
}

void raise_end(int fd) noexcept {
    int end = atom(g_end).load(std::memory_order_relaxed);
    while (fd >= end &&
           !atom(g_end).compare_exchange_weak(end, fd + 1, std::memory_order_relaxed)) {
    }
}

} // namespace

Entry get(int fd) noexcept {
    if (!in_range(fd)) {
        return 0;
    }
    Entry *c = chunk(fd, false);
    return c == nullptr ? 0 : atom(c[fd % kChunk]).load(std::memory_order_acquire);
}

bool put(int fd, Entry e) noexcept {
    if (!in_range(fd)) {
        return false;
    }
    Entry *c = chunk(fd, true);
    if (c == nullptr) {
        return false;
    }
    raise_end(fd);
    atom(c[fd % kChunk]).store(e, std::memory_order_release);
    return true;
}

bool replace(int fd, Entry expected, Entry desired) noexcept {
    if (!in_range(fd)) {
        return false;
    }
    Entry *c = chunk(fd, desired != 0);
    if (c == nullptr) {
        return expected == 0 && desired == 0;
    }
    raise_end(fd);
    return atom(c[fd % kChunk])
        .compare_exchange_strong(expected, desired, std::memory_order_acq_rel);
}

Entry take(int fd) noexcept {
    if (!in_range(fd)) {
        return 0;
    }
    Entry *c = chunk(fd, false);
    return c == nullptr ? 0 : atom(c[fd % kChunk]).exchange(0, std::memory_order_acq_rel);
}

int end() noexcept {
    return atom(g_end).load(std::memory_order_acquire);
}

std::uint32_t new_group() noexcept {
    return atom(g_next_group).fetch_add(1, std::memory_order_relaxed) + 1;
}

void ref_add(int slot) noexcept {
    atom(g_refs[slot]).fetch_add(1, std::memory_order_acq_rel);
}

bool ref_drop(int slot) noexcept {
    std::uint32_t count = atom(g_refs[slot]).load(std::memory_order_relaxed);
    while (count != 0) {
        if (atom(g_refs[slot]).compare_exchange_weak(count, count - 1, std::memory_order_acq_rel)) {
            return count == 1;
        }
    }
    return false;
}

std::uint32_t refs(int slot) noexcept {
    return atom(g_refs[slot]).load(std::memory_order_acquire);
}

} // namespace seekmark::fdt
