// I/O iterators (<linux/uio.h>) over one user buffer (ITER_UBUF), the only kind the
// simulated procfs makes. The copies go through copy_to_user/copy_from_user, so they reach
// only the request's user window; like Linux, a copy stops at the first byte it cannot
// reach and reports how much it did copy.
#include <linux/bug.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

namespace {

char *cursor(const iov_iter *i) {
    return static_cast<char *>(i->ubuf) + i->iov_offset;
}

} // namespace

extern "C" void iov_iter_ubuf(struct iov_iter *i, unsigned int direction, void __user *buf,
                              size_t count) {
    *i = iov_iter{};
    i->iter_type = ITER_UBUF;
    i->data_source = direction == ITER_SOURCE;
    i->user_backed = true;
    i->ubuf = buf;
    i->count = count;
}

extern "C" void iov_iter_advance(struct iov_iter *i, size_t bytes) {
    if (bytes > i->count)
        bytes = i->count;
    i->iov_offset += bytes;
    i->count -= bytes;
}

extern "C" void iov_iter_revert(struct iov_iter *i, size_t bytes) {
    if (WARN_ON(bytes > i->iov_offset))
        bytes = i->iov_offset;
    i->iov_offset -= bytes;
    i->count += bytes;
}

extern "C" size_t _copy_to_iter(const void *addr, size_t bytes, struct iov_iter *i) {
    if (WARN_ON(i->data_source))
        return 0; // a source iterator is not written to
    if (bytes > i->count)
        bytes = i->count;
    size_t done = bytes - copy_to_user(cursor(i), addr, bytes);
    iov_iter_advance(i, done);
    return done;
}

extern "C" size_t _copy_from_iter(void *addr, size_t bytes, struct iov_iter *i) {
    if (WARN_ON(!i->data_source))
        return 0;
    if (bytes > i->count)
        bytes = i->count;
    size_t done = bytes - copy_from_user(addr, cursor(i), bytes);
    iov_iter_advance(i, done);
    return done;
}

extern "C" size_t iov_iter_zero(size_t bytes, struct iov_iter *i) {
    if (bytes > i->count)
        bytes = i->count;
    size_t done = bytes - clear_user(cursor(i), bytes);
    iov_iter_advance(i, done);
    return done;
}
