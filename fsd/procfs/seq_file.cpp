// Sequential files (<linux/seq_file.h>) with the semantics of Linux 6.1's fs/seq_file.c:
// records are produced by the handler's start/next/show/stop into a buffer that is handed
// out to read(2) in whatever pieces the reader asks for.
//
// Through FUSE the daemon never sees lseek(SEEK_SET/SEEK_CUR): a read simply arrives with
// an offset. seq_read keeps where the previous read ended (read_pos), so a reader going
// forward costs one pass over the records in all; any other offset is reached by replaying
// the records from the first one, as Linux does.
#include <pthread.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include <linux/errno.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

namespace {

constexpr size_t kFirstBufferSize = 4096; // a page, as seq_buf_alloc's first allocation

// The seq_file a module sees, followed by what only the runtime touches (Linux keeps the
// mutex inside struct seq_file; here it stays out of the SDK header). Standard layout, so a
// struct seq_file pointer is a pointer to its SeqFileState.
struct SeqFileState {
    struct seq_file m;
    pthread_mutex_t lock;
    bool warned_stuck_next;
};
static_assert(std::is_standard_layout_v<SeqFileState>);

SeqFileState *state_of(struct seq_file *m) {
    return reinterpret_cast<SeqFileState *>(m);
}

class SeqLock {
  public:
    explicit SeqLock(struct seq_file *m) : lock_(&state_of(m)->lock) { pthread_mutex_lock(lock_); }
    ~SeqLock() { pthread_mutex_unlock(lock_); }
    SeqLock(const SeqLock &) = delete;
    SeqLock &operator=(const SeqLock &) = delete;

  private:
    pthread_mutex_t *lock_;
};

void mark_overflow(struct seq_file *m) {
    m->count = m->size;
}

// Replaces the buffer with one of `size` bytes (contents dropped). False: out of memory.
bool replace_buffer(struct seq_file *m, size_t size) {
    kfree(m->buf);
    m->count = 0;
    m->size = size;
    m->buf = static_cast<char *>(kmalloc(size, GFP_KERNEL | __GFP_NOWARN));
    return m->buf != nullptr;
}

bool ensure_buffer(struct seq_file *m) {
    return m->buf != nullptr || replace_buffer(m, kFirstBufferSize);
}

// A record's show() did not fit: stop the iteration, double the buffer. False on ENOMEM.
bool grow_after_overflow(struct seq_file *m, void *p) {
    m->op->stop(m, p);
    return replace_buffer(m, m->size * 2);
}

void forget_position(struct seq_file *m) {
    m->index = 0;
    m->count = 0;
    m->from = 0;
    m->read_pos = 0;
}

// Produces records from the first one until `offset` bytes were produced; what the record
// at `offset` has beyond it is left in the buffer (m->from, m->count). -EAGAIN: the buffer
// grew, start again.
int replay_once(struct seq_file *m, loff_t offset) {
    m->index = 0;
    m->count = 0;
    m->from = 0;
    if (offset == 0)
        return 0;
    if (!ensure_buffer(m))
        return -ENOMEM;
    loff_t produced = 0;
    int err = 0;
    void *p = m->op->start(m, &m->index);
    while (p != nullptr) {
        if (IS_ERR(p)) {
            err = static_cast<int>(PTR_ERR(p));
            break;
        }
        int shown = m->op->show(m, p);
        if (shown < 0) {
            err = shown;
            break;
        }
        if (shown > 0) // SEQ_SKIP
            m->count = 0;
        if (seq_has_overflowed(m))
            return grow_after_overflow(m, p) ? -EAGAIN : -ENOMEM;
        p = m->op->next(m, p, &m->index);
        auto record = static_cast<loff_t>(m->count);
        if (produced + record > offset) {
            m->from = static_cast<size_t>(offset - produced);
            m->count -= m->from;
            break;
        }
        produced += record;
        m->count = 0;
        if (produced == offset)
            break;
    }
    m->op->stop(m, p);
    return err;
}

int replay_to(struct seq_file *m, loff_t offset) {
    int err;
    while ((err = replay_once(m, offset)) == -EAGAIN) {
    }
    return err;
}

// Copies up to `len` bytes to the user; returns how many were copied.
size_t to_user(char __user *dst, const char *src, size_t len) {
    return len - copy_to_user(dst, src, len);
}

void warn_stuck_next(struct seq_file *m) {
    SeqFileState *s = state_of(m);
    if (s->warned_stuck_next)
        return;
    s->warned_stuck_next = true;
    printk(KERN_INFO "seq_file: buggy .next function %p did not update position index\n",
           reinterpret_cast<void *>(m->op->next));
}

ssize_t read_locked(struct seq_file *m, char __user *buf, size_t size, loff_t *ppos) {
    loff_t pos = *ppos;
    if (pos == 0) { // a read from the start restarts the iterator
        m->index = 0;
        m->count = 0;
    }
    if (pos != m->read_pos) {
        int err = replay_to(m, pos);
        if (err != 0) {
            forget_position(m);
            return err;
        }
        m->read_pos = pos;
    }
    if (!ensure_buffer(m))
        return -ENOMEM;

    size_t copied = 0;
    int err = 0;
    // What the last record left over goes first.
    if (m->count != 0) {
        size_t n = to_user(buf, m->buf + m->from, std::min(m->count, size));
        m->count -= n;
        m->from += n;
        copied += n;
        if (m->count != 0)
            goto done; // the reader's buffer is full (or faulted)
    }
    {
        // One non-empty record into the buffer, growing it until the record fits.
        m->from = 0;
        void *p = m->op->start(m, &m->index);
        while (true) {
            if (p == nullptr || IS_ERR(p)) {
                err = IS_ERR(p) ? static_cast<int>(PTR_ERR(p)) : 0;
                m->op->stop(m, p);
                m->count = 0;
                goto done;
            }
            int shown = m->op->show(m, p);
            if (shown < 0) {
                err = shown;
                m->op->stop(m, p);
                m->count = 0;
                goto done;
            }
            if (shown > 0)
                m->count = 0;
            if (m->count == 0) {
                p = m->op->next(m, p, &m->index);
                continue;
            }
            if (!seq_has_overflowed(m))
                break;
            if (!grow_after_overflow(m, p)) {
                err = -ENOMEM;
                goto done;
            }
            p = m->op->start(m, &m->index);
        }
        // More whole records while the reader has room for them.
        while (true) {
            size_t before = m->count;
            loff_t index = m->index;
            p = m->op->next(m, p, &m->index);
            if (m->index == index) {
                warn_stuck_next(m);
                ++m->index;
            }
            if (p == nullptr || IS_ERR(p))
                break;
            if (m->count >= size - copied)
                break;
            int shown = m->op->show(m, p);
            if (shown > 0) {
                m->count = before;
            } else if (shown < 0 || seq_has_overflowed(m)) {
                m->count = before; // the record goes into the next read
                break;
            }
        }
        m->op->stop(m, p);
        size_t n = to_user(buf + copied, m->buf, std::min(m->count, size - copied));
        copied += n;
        m->count -= n;
        m->from = n;
    }
done:
    if (copied == 0)
        return m->count != 0 ? -EFAULT : err;
    *ppos += static_cast<loff_t>(copied);
    m->read_pos += static_cast<loff_t>(copied);
    return static_cast<ssize_t>(copied);
}

// single_open's iterator: one record, the show function's whole output.
void *single_start(struct seq_file *, loff_t *pos) {
    return *pos == 0 ? SEQ_START_TOKEN : nullptr;
}

void *single_next(struct seq_file *, void *, loff_t *pos) {
    ++*pos;
    return nullptr;
}

void single_stop(struct seq_file *, void *) {}

} // namespace

extern "C" int seq_open(struct file *file, const struct seq_operations *op) {
    if (file->private_data != nullptr)
        printk(KERN_WARNING "WARNING: seq_open: file->private_data is already set (%p)\n",
               file->private_data);
    auto *s = static_cast<SeqFileState *>(kzalloc(sizeof(SeqFileState), GFP_KERNEL));
    if (s == nullptr)
        return -ENOMEM;
    pthread_mutex_init(&s->lock, nullptr);
    s->m.op = op;
    s->m.file = file;
    file->private_data = &s->m;
    // Sequential files can be lseek()ed and pread, but not pwritten.
    file->f_mode &= ~FMODE_PWRITE;
    return 0;
}

extern "C" ssize_t seq_read(struct file *file, char __user *buf, size_t size, loff_t *ppos) {
    auto *m = static_cast<struct seq_file *>(file->private_data);
    if (size == 0)
        return 0;
    SeqLock lock(m);
    return read_locked(m, buf, size, ppos);
}

// The iterator is one user buffer (uio.h): the read fills it as seq_read would, at the
// kiocb's position, and moves both on by what it delivered.
extern "C" ssize_t seq_read_iter(struct kiocb *iocb, struct iov_iter *iter) {
    size_t room = iov_iter_count(iter);
    if (room == 0)
        return 0;
    loff_t pos = iocb->ki_pos;
    char __user *dest = static_cast<char *>(iter->ubuf) + iter->iov_offset;
    ssize_t ret = seq_read(iocb->ki_filp, dest, room, &pos);
    if (ret > 0) {
        iocb->ki_pos = pos;
        iov_iter_advance(iter, static_cast<size_t>(ret));
    }
    return ret;
}

extern "C" loff_t seq_lseek(struct file *file, loff_t offset, int whence) {
    auto *m = static_cast<struct seq_file *>(file->private_data);
    SeqLock lock(m);
    if (whence == SEEK_CUR)
        offset += file->f_pos;
    else if (whence != SEEK_SET)
        return -EINVAL;
    if (offset < 0)
        return -EINVAL;
    if (offset != m->read_pos) {
        int err = replay_to(m, offset);
        if (err != 0) {
            forget_position(m);
            file->f_pos = 0;
            return err;
        }
        m->read_pos = offset;
    }
    file->f_pos = offset;
    return offset;
}

extern "C" int seq_release(struct inode *, struct file *file) {
    auto *m = static_cast<struct seq_file *>(file->private_data);
    SeqFileState *s = state_of(m);
    kfree(m->buf);
    pthread_mutex_destroy(&s->lock);
    kfree(s);
    return 0;
}

extern "C" void *__seq_open_private(struct file *file, const struct seq_operations *ops,
                                    int psize) {
    void *priv = kzalloc(static_cast<size_t>(psize), GFP_KERNEL);
    if (priv == nullptr)
        return nullptr;
    if (seq_open(file, ops) != 0) {
        kfree(priv);
        return nullptr;
    }
    static_cast<struct seq_file *>(file->private_data)->private_ = priv;
    return priv;
}

extern "C" int seq_open_private(struct file *file, const struct seq_operations *ops, int psize) {
    return __seq_open_private(file, ops, psize) != nullptr ? 0 : -ENOMEM;
}

extern "C" int seq_release_private(struct inode *inode, struct file *file) {
    auto *m = static_cast<struct seq_file *>(file->private_data);
    kfree(m->private_);
    m->private_ = nullptr;
    return seq_release(inode, file);
}

extern "C" int single_open(struct file *file, int (*show)(struct seq_file *, void *), void *data) {
    auto *op = static_cast<struct seq_operations *>(kmalloc(sizeof(seq_operations), GFP_KERNEL));
    if (op == nullptr)
        return -ENOMEM;
    op->start = single_start;
    op->stop = single_stop;
    op->next = single_next;
    op->show = show;
    int err = seq_open(file, op);
    if (err != 0) {
        kfree(op);
        return err;
    }
    static_cast<struct seq_file *>(file->private_data)->private_ = data;
    return 0;
}

extern "C" int single_open_size(struct file *file, int (*show)(struct seq_file *, void *),
                                void *data, size_t size) {
    auto *buf = static_cast<char *>(kmalloc(size, GFP_KERNEL | __GFP_NOWARN));
    if (buf == nullptr)
        return -ENOMEM;
    int err = single_open(file, show, data);
    if (err != 0) {
        kfree(buf);
        return err;
    }
    auto *m = static_cast<struct seq_file *>(file->private_data);
    m->buf = buf;
    m->size = size;
    return 0;
}

extern "C" int single_release(struct inode *inode, struct file *file) {
    const struct seq_operations *op = static_cast<struct seq_file *>(file->private_data)->op;
    int err = seq_release(inode, file);
    kfree(op);
    return err;
}

extern "C" void seq_vprintf(struct seq_file *m, const char *fmt, va_list args) {
    if (m->count < m->size) {
        int n = std::vsnprintf(m->buf + m->count, m->size - m->count, fmt, args);
        if (n >= 0 && m->count + static_cast<size_t>(n) < m->size) {
            m->count += static_cast<size_t>(n);
            return;
        }
    }
    mark_overflow(m);
}

extern "C" void seq_printf(struct seq_file *m, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    seq_vprintf(m, fmt, args);
    va_end(args);
}

extern "C" void seq_putc(struct seq_file *m, char c) {
    if (m->count < m->size)
        m->buf[m->count++] = c;
}

extern "C" void seq_puts(struct seq_file *m, const char *s) {
    size_t len = std::strlen(s);
    if (m->count + len >= m->size) {
        mark_overflow(m);
        return;
    }
    std::memcpy(m->buf + m->count, s, len);
    m->count += len;
}

extern "C" int seq_write(struct seq_file *m, const void *data, size_t len) {
    if (m->count + len < m->size) {
        std::memcpy(m->buf + m->count, data, len);
        m->count += len;
        return 0;
    }
    mark_overflow(m);
    return -1;
}

extern "C" void seq_pad(struct seq_file *m, char c) {
    if (m->pad_until > m->count) {
        size_t pad = m->pad_until - m->count;
        if (m->count + pad > m->size) {
            mark_overflow(m);
            return;
        }
        std::memset(m->buf + m->count, ' ', pad);
        m->count += pad;
    }
    m->pad_until = 0;
    if (c != '\0')
        seq_putc(m, c);
}

extern "C" void seq_put_decimal_ull(struct seq_file *m, const char *delimiter,
                                    unsigned long long num) {
    if (delimiter != nullptr && delimiter[0] != '\0')
        seq_puts(m, delimiter);
    seq_printf(m, "%llu", num);
}

extern "C" void seq_put_decimal_ll(struct seq_file *m, const char *delimiter, long long num) {
    if (delimiter != nullptr && delimiter[0] != '\0')
        seq_puts(m, delimiter);
    seq_printf(m, "%lld", num);
}

extern "C" struct list_head *seq_list_start(struct list_head *head, loff_t pos) {
    for (struct list_head *lh = head->next; lh != head; lh = lh->next)
        if (pos-- == 0)
            return lh;
    return nullptr;
}

extern "C" struct list_head *seq_list_start_head(struct list_head *head, loff_t pos) {
    return pos == 0 ? head : seq_list_start(head, pos - 1);
}

extern "C" struct list_head *seq_list_next(void *v, struct list_head *head, loff_t *ppos) {
    struct list_head *next = static_cast<struct list_head *>(v)->next;
    ++*ppos;
    return next == head ? nullptr : next;
}
