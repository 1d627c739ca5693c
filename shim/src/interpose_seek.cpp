// lseek and fseek with their aliases. The fast path is the whole point of this file: for
// the standard reference points (0..4, no flags) nothing happens but one comparison and the
// system call, no lock, no allocation, errno untouched on success.
//
// lseek is the raw system call rather than libc's lseek found through dlsym: libc's is
// nothing but that system call (same errno convention), and the raw call needs no symbol
// resolution, so it is correct from the first instruction of any constructor, in signal
// handlers and in a vfork child, and costs no indirect call. (The price: another preloaded
// library that wraps lseek after us in the search order is not called for these values.)
#include "bookmark.h"
#include "export.h"
#include "real.h"
#include "syscalls.h"

#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace {

inline long seek(int fd, long off, int whence) noexcept {
    if (static_cast<unsigned>(whence) <= SEEK_HOLE) [[likely]] {
        const long pos = seekmark::sys::lseek(fd, off, whence);
        return seekmark::sys::failed(pos) ? seekmark::sys::fail(pos) : pos;
    }
    const long pos = seekmark::bookmark_lseek(fd, off, whence);
    return pos < 0 ? seekmark::sys::fail(pos) : pos;
}

template <class Real>
int stream_seek(Real real, FILE *stream, long off, int whence) noexcept {
    if (static_cast<unsigned>(whence) <= SEEK_HOLE) [[likely]] {
        if (real == nullptr) {
            errno = ENOSYS;
            return -1;
        }
        return real(stream, off, whence); // stdio decides about 3 and 4 (it refuses them)
    }
    return seekmark::bookmark_fseek(stream, off, whence);
}

} // namespace

SEEKMARK_EXPORT off_t lseek(int fd, off_t off, int whence) noexcept {
    return seek(fd, off, whence);
}
SEEKMARK_EXPORT off64_t lseek64(int fd, off64_t off, int whence) noexcept {
    return seek(fd, off, whence);
}
SEEKMARK_EXPORT off_t __lseek(int fd, off_t off, int whence) noexcept {
    return seek(fd, off, whence);
}

SEEKMARK_EXPORT int fseek(FILE *stream, long off, int whence) {
    return stream_seek(seekmark::real::fseek(), stream, off, whence);
}
SEEKMARK_EXPORT int fseeko(FILE *stream, off_t off, int whence) {
    return stream_seek(seekmark::real::fseeko(), stream, off, whence);
}
SEEKMARK_EXPORT int fseeko64(FILE *stream, off64_t off, int whence) {
    return stream_seek(seekmark::real::fseeko64(), stream, off, whence);
}
