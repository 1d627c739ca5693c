// Calls that create descriptors. A new description under a number means that whatever the
// number was linked to was closed in a way the shim did not see (a raw close system call,
// say): the link is dropped, so the new description starts without bookmarks. Descriptors
// libc opens internally (fopen uses its own open) are caught at the public entry points.
#include "export.h"
#include "links.h"
#include "real.h"
#include "syscalls.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>

extern "C" {
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
}

namespace {

int fresh(int fd) noexcept {
    if (fd >= 0) {
        const int saved = errno;
        seekmark::note_fresh(fd);
        errno = saved;
    }
    return fd;
}

int fresh_pair(int ret, const int fds[2]) noexcept {
    if (ret == 0) {
        fresh(fds[0]);
        fresh(fds[1]);
    }
    return ret;
}

template <class T>
T *fresh_stream(T *stream, int fd) noexcept {
    if (stream != nullptr) {
        fresh(fd);
    }
    return stream;
}

// open's third argument exists only when the flags need a mode.
mode_t mode_arg(int flags, va_list ap) noexcept {
    return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

// Without libc (only while dlsym is running, see real.h).
int raw_openat(int dirfd, const char *path, int flags, mode_t mode) noexcept {
    const long ret =
        seekmark::sys::call(SYS_openat, dirfd, reinterpret_cast<long>(path), flags, mode);
    return seekmark::sys::failed(ret) ? static_cast<int>(seekmark::sys::fail(ret))
                                      : static_cast<int>(ret);
}

template <class Real>
int open_with(Real real, int dirfd, const char *path, int flags, mode_t mode) noexcept {
    return fresh(real != nullptr ? real(path, flags, mode) : raw_openat(dirfd, path, flags, mode));
}

template <class Real>
int openat_with(Real real, int dirfd, const char *path, int flags, mode_t mode) noexcept {
    return fresh(real != nullptr ? real(dirfd, path, flags, mode)
                                 : raw_openat(dirfd, path, flags, mode));
}

int unavailable() noexcept {
    errno = ENOSYS;
    return -1;
}

} // namespace

SEEKMARK_EXPORT int open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    const mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return open_with(seekmark::real::open(), AT_FDCWD, path, flags, mode);
}

SEEKMARK_EXPORT int open64(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    const mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return open_with(seekmark::real::open64(), AT_FDCWD, path, flags, mode);
}

SEEKMARK_EXPORT int openat(int dirfd, const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    const mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return openat_with(seekmark::real::openat(), dirfd, path, flags, mode);
}

SEEKMARK_EXPORT int openat64(int dirfd, const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    const mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return openat_with(seekmark::real::openat64(), dirfd, path, flags, mode);
}

// The _FORTIFY_SOURCE entry points.
SEEKMARK_EXPORT int __open_2(const char *path, int flags) {
    const auto real = seekmark::real::__open_2();
    return fresh(real != nullptr ? real(path, flags) : raw_openat(AT_FDCWD, path, flags, 0));
}
SEEKMARK_EXPORT int __open64_2(const char *path, int flags) {
    const auto real = seekmark::real::__open64_2();
    return fresh(real != nullptr ? real(path, flags) : raw_openat(AT_FDCWD, path, flags, 0));
}
SEEKMARK_EXPORT int __openat_2(int dirfd, const char *path, int flags) {
    const auto real = seekmark::real::__openat_2();
    return fresh(real != nullptr ? real(dirfd, path, flags) : raw_openat(dirfd, path, flags, 0));
}
SEEKMARK_EXPORT int __openat64_2(int dirfd, const char *path, int flags) {
    const auto real = seekmark::real::__openat64_2();
    return fresh(real != nullptr ? real(dirfd, path, flags) : raw_openat(dirfd, path, flags, 0));
}

SEEKMARK_EXPORT int creat(const char *path, mode_t mode) {
    const auto real = seekmark::real::creat();
    return fresh(real != nullptr ? real(path, mode)
                                 : raw_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode));
}
SEEKMARK_EXPORT int creat64(const char *path, mode_t mode) {
    const auto real = seekmark::real::creat64();
    return fresh(real != nullptr ? real(path, mode)
                                 : raw_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode));
}

SEEKMARK_EXPORT FILE *fopen(const char *__restrict path, const char *__restrict mode) {
    const auto real = seekmark::real::fopen();
    FILE *stream = real != nullptr ? real(path, mode) : nullptr;
    return fresh_stream(stream, stream != nullptr ? fileno(stream) : -1);
}
SEEKMARK_EXPORT FILE *fopen64(const char *__restrict path, const char *__restrict mode) {
    const auto real = seekmark::real::fopen64();
    FILE *stream = real != nullptr ? real(path, mode) : nullptr;
    return fresh_stream(stream, stream != nullptr ? fileno(stream) : -1);
}

SEEKMARK_EXPORT DIR *opendir(const char *path) {
    const auto real = seekmark::real::opendir();
    DIR *dir = real != nullptr ? real(path) : nullptr;
    return fresh_stream(dir, dir != nullptr ? dirfd(dir) : -1);
}

SEEKMARK_EXPORT int pipe(int fds[2]) noexcept {
    const auto real = seekmark::real::pipe();
    return real != nullptr ? fresh_pair(real(fds), fds) : unavailable();
}
SEEKMARK_EXPORT int pipe2(int fds[2], int flags) noexcept {
    const auto real = seekmark::real::pipe2();
    return real != nullptr ? fresh_pair(real(fds, flags), fds) : unavailable();
}

SEEKMARK_EXPORT int socket(int domain, int type, int protocol) noexcept {
    const auto real = seekmark::real::socket();
    return real != nullptr ? fresh(real(domain, type, protocol)) : unavailable();
}
SEEKMARK_EXPORT int socketpair(int domain, int type, int protocol, int fds[2]) noexcept {
    const auto real = seekmark::real::socketpair();
    return real != nullptr ? fresh_pair(real(domain, type, protocol, fds), fds) : unavailable();
}

SEEKMARK_EXPORT int accept(int fd, sockaddr *__restrict addr, socklen_t *__restrict len) {
    const auto real = seekmark::real::accept();
    return real != nullptr ? fresh(real(fd, addr, len)) : unavailable();
}
SEEKMARK_EXPORT int accept4(int fd, sockaddr *__restrict addr, socklen_t *__restrict len,
                            int flags) {
    const auto real = seekmark::real::accept4();
    return real != nullptr ? fresh(real(fd, addr, len, flags)) : unavailable();
}
