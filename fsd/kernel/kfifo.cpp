// Fixed-size FIFOs (<linux/kfifo.h>): the buffer holds mask + 1 elements (a power of two),
// in and out count elements ever added and removed, and `index & mask` is the slot. A copy
// that crosses the end of the buffer is done in two pieces.
#include <algorithm>
#include <cstring>

#include <linux/errno.h>
#include <linux/kfifo.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

namespace {

unsigned int unused_slots(const __kfifo *fifo) {
    return (fifo->mask + 1) - (fifo->in - fifo->out);
}

unsigned char *bytes(const __kfifo *fifo) {
    return static_cast<unsigned char *>(fifo->data);
}

// The buffer, in bytes, seen as the (up to two) pieces of `len` elements from index `at`.
struct Pieces {
    std::size_t first_off, first_len, second_len;
};

Pieces pieces(const __kfifo *fifo, unsigned int at, unsigned int len) {
    std::size_t size = fifo->mask + 1;
    std::size_t off = at & fifo->mask;
    std::size_t first = std::min<std::size_t>(len, size - off);
    return {off * fifo->esize, first * fifo->esize, (len - first) * fifo->esize};
}

// A zero-length copy may come with a null buffer (kfifo_in(fifo, NULL, 0) is fine in Linux);
// memcpy must not see it.
void copy_in(__kfifo *fifo, const void *src, unsigned int len, unsigned int at) {
    if (len == 0)
        return;
    Pieces p = pieces(fifo, at, len);
    const auto *from = static_cast<const unsigned char *>(src);
    std::memcpy(bytes(fifo) + p.first_off, from, p.first_len);
    std::memcpy(bytes(fifo), from + p.first_len, p.second_len);
}

void copy_out(const __kfifo *fifo, void *dst, unsigned int len, unsigned int at) {
    if (len == 0)
        return;
    Pieces p = pieces(fifo, at, len);
    auto *to = static_cast<unsigned char *>(dst);
    std::memcpy(to, bytes(fifo) + p.first_off, p.first_len);
    std::memcpy(to + p.first_len, bytes(fifo), p.second_len);
}

} // namespace

extern "C" int __kfifo_alloc(struct __kfifo *fifo, unsigned int size, size_t esize,
                             gfp_t gfp_mask) {
    fifo->in = 0;
    fifo->out = 0;
    fifo->esize = static_cast<unsigned int>(esize);
    fifo->mask = 0;
    fifo->data = nullptr;
    if (size < 2 || size > (1U << 31))
        return -EINVAL;
    size = static_cast<unsigned int>(roundup_pow_of_two(size));
    fifo->data = kmalloc_array(size, esize, gfp_mask);
    if (fifo->data == nullptr)
        return -ENOMEM;
    fifo->mask = size - 1;
    return 0;
}

extern "C" void __kfifo_free(struct __kfifo *fifo) {
    kfree(fifo->data);
    fifo->in = 0;
    fifo->out = 0;
    fifo->esize = 0;
    fifo->data = nullptr;
    fifo->mask = 0;
}

extern "C" int __kfifo_init(struct __kfifo *fifo, void *buffer, unsigned int size, size_t esize) {
    fifo->in = 0;
    fifo->out = 0;
    fifo->esize = static_cast<unsigned int>(esize);
    fifo->data = buffer;
    size = static_cast<unsigned int>(esize == 0 ? 0 : size / esize);
    if (size < 2) {
        fifo->mask = 0;
        return -EINVAL;
    }
    fifo->mask = static_cast<unsigned int>(rounddown_pow_of_two(size)) - 1;
    return 0;
}

extern "C" unsigned int __kfifo_in(struct __kfifo *fifo, const void *buf, unsigned int len) {
    len = std::min(len, unused_slots(fifo));
    copy_in(fifo, buf, len, fifo->in);
    // The data before the index: a concurrent reader must never see the slot early.
    __atomic_store_n(&fifo->in, fifo->in + len, __ATOMIC_RELEASE);
    return len;
}

extern "C" unsigned int __kfifo_out_peek(struct __kfifo *fifo, void *buf, unsigned int len) {
    unsigned int queued = __atomic_load_n(&fifo->in, __ATOMIC_ACQUIRE) - fifo->out;
    len = std::min(len, queued);
    copy_out(fifo, buf, len, fifo->out);
    return len;
}

extern "C" unsigned int __kfifo_out(struct __kfifo *fifo, void *buf, unsigned int len) {
    len = __kfifo_out_peek(fifo, buf, len);
    __atomic_store_n(&fifo->out, fifo->out + len, __ATOMIC_RELEASE);
    return len;
}

extern "C" int __kfifo_from_user(struct __kfifo *fifo, const void __user *from, unsigned long len,
                                 unsigned int *copied) {
    unsigned long elements = len / fifo->esize;
    unsigned int n =
        static_cast<unsigned int>(std::min<unsigned long>(elements, unused_slots(fifo)));
    Pieces p = pieces(fifo, fifo->in, n);
    const auto *src = static_cast<const unsigned char *>(from);
    if (copy_from_user(bytes(fifo) + p.first_off, src, p.first_len) != 0 ||
        copy_from_user(bytes(fifo), src + p.first_len, p.second_len) != 0) {
        *copied = 0;
        return -EFAULT;
    }
    __atomic_store_n(&fifo->in, fifo->in + n, __ATOMIC_RELEASE);
    *copied = n * fifo->esize;
    return 0;
}

extern "C" int __kfifo_to_user(struct __kfifo *fifo, void __user *to, unsigned long len,
                               unsigned int *copied) {
    unsigned long elements = len / fifo->esize;
    unsigned int queued = __atomic_load_n(&fifo->in, __ATOMIC_ACQUIRE) - fifo->out;
    unsigned int n = static_cast<unsigned int>(std::min<unsigned long>(elements, queued));
    Pieces p = pieces(fifo, fifo->out, n);
    auto *dst = static_cast<unsigned char *>(to);
    if (copy_to_user(dst, bytes(fifo) + p.first_off, p.first_len) != 0 ||
        copy_to_user(dst + p.first_len, bytes(fifo), p.second_len) != 0) {
        *copied = 0;
        return -EFAULT;
    }
    __atomic_store_n(&fifo->out, fifo->out + n, __ATOMIC_RELEASE);
    *copied = n * fifo->esize;
    return 0;
}
