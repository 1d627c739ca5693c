// fork and _Fork: the child shares every description of its parent, so it must hold every
// slot its parent holds from its first instant: its record and bits are prepared before the
// fork (a parent that exits at once must not take the stacks with it). vfork is not
// wrapped: its child shares the parent's memory and tables and may only exec or _exit.
#include "export.h"
#include "links.h"
#include "process.h"
#include "real.h"

#include <unistd.h>

#include <cerrno>

namespace {

template <class Real>
pid_t tracked_fork(Real real) noexcept {
    if (real == nullptr) {
        errno = ENOSYS;
        return -1;
    }
    seekmark::Self me;
    const int child = seekmark::self_get(me) ? seekmark::prepare_child(me) : -1;
    const pid_t pid = real();
    if (child >= 0) {
        const int saved = errno;
        if (pid == 0) {
            seekmark::start_child(child, me.rec);
        } else if (pid > 0) {
            seekmark::child_forked(child, pid);
        } else {
            seekmark::fork_failed(child);
        }
        errno = saved;
    }
    return pid;
}

} // namespace

SEEKMARK_EXPORT pid_t fork() noexcept {
    return tracked_fork(seekmark::real::fork());
}
SEEKMARK_EXPORT pid_t _Fork() noexcept {
    return tracked_fork(seekmark::real::_Fork());
}
