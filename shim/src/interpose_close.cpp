// Every public way to close a descriptor: the number stops naming its description, so its
// link goes (before the close: the number may be reused by another thread as soon as the
// kernel frees it). fclose, closedir, freopen and pclose close inside libc, where a wrapped
// close() never sees it; wrapping them is what keeps the table true for stdio and dirent.
#include "export.h"
#include "fd_table.h"
#include "links.h"
#include "real.h"
#include "syscalls.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>

namespace {

using seekmark::ClosingScope;

int unavailable() noexcept {
    errno = ENOSYS;
    return -1;
}

int stream_fd(FILE *stream) noexcept {
    return stream == nullptr ? -1 : fileno(stream);
}

} // namespace

SEEKMARK_EXPORT int close(int fd) {
    ClosingScope scope(fd);
    const auto real = seekmark::real::close();
    if (real != nullptr) {
        return real(fd);
    }
    const long ret = seekmark::sys::call(SYS_close, fd);
    return seekmark::sys::failed(ret) ? static_cast<int>(seekmark::sys::fail(ret)) : 0;
}

SEEKMARK_EXPORT int close_range(unsigned first, unsigned last, int flags) noexcept {
    const auto real = seekmark::real::close_range();
    if (real == nullptr) {
        return unavailable();
    }
    // CLOSE_RANGE_CLOEXEC only marks; an invalid call closes nothing.
    if ((flags & CLOSE_RANGE_CLOEXEC) != 0 || first > last || first > INT_MAX) {
        return real(first, last, flags);
    }
    ClosingScope scope(static_cast<int>(first), last > INT_MAX ? INT_MAX : static_cast<int>(last));
    return real(first, last, flags);
}

SEEKMARK_EXPORT void closefrom(int lowfd) noexcept {
    const auto real = seekmark::real::closefrom();
    if (real != nullptr) {
        ClosingScope scope(lowfd, INT_MAX);
        real(lowfd);
    }
}

SEEKMARK_EXPORT int fclose(FILE *stream) {
    const auto real = seekmark::real::fclose();
    if (real == nullptr) {
        return unavailable();
    }
    ClosingScope scope(stream_fd(stream));
    return real(stream);
}

SEEKMARK_EXPORT int pclose(FILE *stream) {
    const auto real = seekmark::real::pclose();
    if (real == nullptr) {
        return unavailable();
    }
    ClosingScope scope(stream_fd(stream));
    return real(stream);
}

SEEKMARK_EXPORT int closedir(DIR *dir) {
    const auto real = seekmark::real::closedir();
    if (real == nullptr) {
        return unavailable();
    }
    ClosingScope scope(dirfd(dir)); // NULL is undefined behaviour for closedir too
    return real(dir);
}

// freopen closes the stream's descriptor and opens a new description, possibly under the
// same number (always, when the path is NULL: it reopens /proc/self/fd/N).
template <class Real>
FILE *reopen(Real real, const char *path, const char *mode, FILE *stream) noexcept {
    if (real == nullptr) {
        errno = ENOSYS;
        return nullptr;
    }
    FILE *result = nullptr;
    {
        ClosingScope scope(stream_fd(stream));
        result = real(path, mode, stream);
    }
    if (result != nullptr) {
        seekmark::note_fresh(fileno(result));
    }
    return result;
}

SEEKMARK_EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream) {
    return reopen(seekmark::real::freopen(), path, mode, stream);
}

SEEKMARK_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *stream) {
    return reopen(seekmark::real::freopen64(), path, mode, stream);
}

// fcloseall closes streams we cannot enumerate: afterwards, every linked descriptor that is
// no longer open is unlinked.
SEEKMARK_EXPORT int fcloseall() {
    const auto real = seekmark::real::fcloseall();
    if (real == nullptr) {
        return unavailable();
    }
    const int ret = real();
    const int saved = errno;
    const int end = seekmark::fdt::end();
    for (int fd = 0; fd < end; ++fd) {
        if (seekmark::fdt::get(fd) != 0 && seekmark::sys::fcntl(fd, F_GETFD) == -EBADF) {
            ClosingScope scope(fd);
        }
    }
    errno = saved;
    return ret;
}
