#include "bookmark.h"

#include "real.h"
#include "stack_op.h"
#include "syscalls.h"

#include <cerrno>

namespace seekmark {

namespace {

// The position of a descriptor is the kernel's: lseek(fd, 0, SEEK_CUR) reads it without
// moving, for every kind of file.
class DescriptorMover {
  public:
    explicit DescriptorMover(int fd) noexcept : fd_(fd) {}
    long position() noexcept { return sys::lseek(fd_, 0, SEEK_CUR); }
    long move(long off, int ref) noexcept { return sys::lseek(fd_, off, ref); }
    long own_error(long err) noexcept { return position() == -EBADF ? -EBADF : err; }

  private:
    int fd_;
};

// The position of a stream is the one ftello reports: the kernel's minus what is still
// buffered for reading, plus what is buffered for writing. fseeko moves it and drops the
// buffer, so ftell agrees afterwards.
class StreamMover {
  public:
    explicit StreamMover(FILE *stream) noexcept : stream_(stream) {}
    long position() noexcept {
        const auto tell = real::ftello();
        if (tell == nullptr) {
            return -ENOSYS;
        }
        const off_t pos = tell(stream_);
        return pos < 0 ? -errno : pos;
    }
    long move(long off, int ref) noexcept {
        const auto seek = real::fseeko();
        if (seek == nullptr) {
            return -ENOSYS;
        }
        return seek(stream_, off, ref) != 0 ? -errno : position();
    }
    long own_error(long err) noexcept { return err; } // stdio checks no descriptor first

  private:
    FILE *stream_;
};

} // namespace

long bookmark_lseek(int fd, long off, int whence) noexcept {
    DescriptorMover mover(fd);
    const Whence w = decode(whence);
    if (w.unknown || w.ref > SEEK_BOOKMARK) {
        return mover.own_error(-EINVAL);
    }
    return stack_op(fd, off, w, mover);
}

int bookmark_fseek(FILE *stream, long off, int whence) noexcept {
    const Whence w = decode(whence);
    // stdio refuses SEEK_DATA and SEEK_HOLE itself; so do bookmarks on streams.
    if (w.unknown ||
        (w.ref != SEEK_SET && w.ref != SEEK_CUR && w.ref != SEEK_END && w.ref != SEEK_BOOKMARK)) {
        errno = EINVAL;
        return -1;
    }
    const int saved = errno;
    flockfile(stream); // the stream's position and buffer stay ours for the whole operation
    const int fd = fileno_unlocked(stream);
    StreamMover mover(stream);
    const long result = fd < 0 ? -EBADF : stack_op(fd, off, w, mover);
    funlockfile(stream);
    if (result < 0) {
        errno = static_cast<int>(-result);
        return -1;
    }
    errno = saved; // the ftello/fseeko calls succeeded; errno is as the caller left it
    return 0;
}

} // namespace seekmark
