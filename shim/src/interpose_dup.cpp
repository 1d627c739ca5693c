// dup, dup2, dup3, fcntl(F_DUPFD, F_DUPFD_CLOEXEC): the new number shares the old one's
// description, so it shares its stack.
#include "export.h"
#include "links.h"
#include "real.h"
#include "syscalls.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>

namespace {

using seekmark::Self;

void linked(int oldfd, int newfd) noexcept {
    Self me;
    if (newfd >= 0 && newfd != oldfd && seekmark::self_get(me) && !seekmark::borrowed_memory(me)) {
        const int saved = errno;
        seekmark::note_dup(me, oldfd, newfd);
        errno = saved;
    }
}

int result(long ret) noexcept {
    return seekmark::sys::failed(ret) ? static_cast<int>(seekmark::sys::fail(ret))
                                      : static_cast<int>(ret);
}

// dup2 without libc: dup3 refuses equal numbers, where dup2 checks the descriptor.
long raw_dup2(int fd, int newfd) noexcept {
    if (fd != newfd) {
        return seekmark::sys::call(SYS_dup3, fd, newfd, 0);
    }
    const long flags = seekmark::sys::fcntl(fd, F_GETFD);
    return seekmark::sys::failed(flags) ? flags : fd;
}

template <class Real>
int dup_fcntl(Real real, int fd, int cmd, va_list ap) noexcept {
    // The third argument is an int or a pointer, or absent; like libc, pass on a word.
    void *arg = va_arg(ap, void *);
    const int ret = real != nullptr
                        ? real(fd, cmd, arg)
                        : result(seekmark::sys::fcntl(fd, cmd, reinterpret_cast<long>(arg)));
    if (ret >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) {
        linked(fd, ret);
    }
    return ret;
}

} // namespace

SEEKMARK_EXPORT int dup(int fd) noexcept {
    const auto real = seekmark::real::dup();
    const int ret = real != nullptr ? real(fd) : result(seekmark::sys::call(SYS_dup, fd));
    linked(fd, ret);
    return ret;
}

SEEKMARK_EXPORT int dup2(int fd, int newfd) noexcept {
    const auto real = seekmark::real::dup2();
    const int ret = real != nullptr ? real(fd, newfd) : result(raw_dup2(fd, newfd));
    linked(fd, ret);
    return ret;
}

SEEKMARK_EXPORT int dup3(int fd, int newfd, int flags) noexcept {
    const auto real = seekmark::real::dup3();
    const int ret = real != nullptr ? real(fd, newfd, flags)
                                    : result(seekmark::sys::call(SYS_dup3, fd, newfd, flags));
    linked(fd, ret);
    return ret;
}

SEEKMARK_EXPORT int fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    const int ret = dup_fcntl(seekmark::real::fcntl(), fd, cmd, ap);
    va_end(ap);
    return ret;
}

SEEKMARK_EXPORT int fcntl64(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    const int ret = dup_fcntl(seekmark::real::fcntl64(), fd, cmd, ap);
    va_end(ap);
    return ret;
}
