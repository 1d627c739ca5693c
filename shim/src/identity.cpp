#include "identity.h"

#include "layout.h"
#include "syscalls.h"

#include <sys/mman.h>

namespace seekmark {

namespace {

struct Identity {
    std::int32_t rec_plus_one; // 0: no identity (fresh child, or not registered yet)
    std::int32_t pid;
};

Identity *g_identity = nullptr;   // the wipe-on-fork page
bool g_wipe_on_fork = false;      // false on kernels without MADV_WIPEONFORK (< 4.14)
std::int32_t g_previous_rec = -1; // ordinary memory: survives fork unchanged

} // namespace

bool identity_create() noexcept {
    const long page =
        sys::call(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sys::failed(page)) {
        return false;
    }
    g_wipe_on_fork = sys::call(SYS_madvise, page, 4096, MADV_WIPEONFORK) == 0;
    atom(g_identity).store(reinterpret_cast<Identity *>(page), std::memory_order_release);
    return true;
}

bool identity_get(Self &me) noexcept {
    Identity *id = atom(g_identity).load(std::memory_order_acquire);
    if (id == nullptr) {
        return false;
    }
    const std::int32_t rec = atom(id->rec_plus_one).load(std::memory_order_acquire);
    if (rec == 0) {
        return false;
    }
    me.rec = rec - 1;
    me.pid = atom(id->pid).load(std::memory_order_relaxed);
    // Without wipe-on-fork a child forked behind our back still carries its parent's
    // identity: only the pid can tell, at the price of a system call.
    if (!g_wipe_on_fork && sys::getpid() != me.pid) {
        atom(id->rec_plus_one).store(0, std::memory_order_relaxed);
        return false;
    }
    return true;
}

void identity_set(int rec, int pid) noexcept {
    Identity *id = atom(g_identity).load(std::memory_order_acquire);
    atom(id->pid).store(pid, std::memory_order_relaxed);
    atom(id->rec_plus_one).store(rec + 1, std::memory_order_release);
    g_previous_rec = rec;
}

int identity_previous_rec() noexcept {
    return g_previous_rec;
}

bool borrowed_memory(const Self &me) noexcept {
    return sys::getpid() != me.pid;
}

} // namespace seekmark
