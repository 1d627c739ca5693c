// <linux/fs.h> helpers for handlers: llseek variants and non-seekable opens.
#include <cerrno>
#include <climits>

#include <linux/fs.h>

namespace {
loff_t set_pos(struct file *file, loff_t offset, loff_t maxsize) {
    if (offset < 0 || offset > maxsize)
        return -EINVAL;
    file->f_pos = offset;
    return offset;
}
} // namespace

extern "C" loff_t generic_file_llseek_size(struct file *file, loff_t offset, int whence,
                                           loff_t maxsize, loff_t eof) {
    switch (whence) {
    case SEEK_SET:
        return set_pos(file, offset, maxsize);
    case SEEK_CUR:
        return set_pos(file, file->f_pos + offset, maxsize);
    case SEEK_END:
        return set_pos(file, eof + offset, maxsize);
    case SEEK_DATA:
        if (offset < 0 || offset >= eof)
            return -ENXIO;
        return set_pos(file, offset, maxsize);
    case SEEK_HOLE:
        if (offset < 0 || offset >= eof)
            return -ENXIO;
        return set_pos(file, eof, maxsize);
    default:
        return -EINVAL;
    }
}

extern "C" loff_t generic_file_llseek(struct file *file, loff_t offset, int whence) {
    return generic_file_llseek_size(file, offset, whence, MAX_LFS_FILESIZE,
                                    i_size_read(file_inode(file)));
}

extern "C" loff_t default_llseek(struct file *file, loff_t offset, int whence) {
    return generic_file_llseek(file, offset, whence);
}

extern "C" loff_t fixed_size_llseek(struct file *file, loff_t offset, int whence, loff_t size) {
    return generic_file_llseek_size(file, offset, whence, size, size);
}

extern "C" loff_t no_llseek(struct file *, loff_t, int) {
    return -ESPIPE;
}

extern "C" loff_t noop_llseek(struct file *file, loff_t, int) {
    return file->f_pos;
}

extern "C" int nonseekable_open(struct inode *, struct file *filp) {
    filp->f_mode &= ~(FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE);
    return 0;
}

extern "C" int stream_open(struct inode *, struct file *filp) {
    filp->f_mode &= ~(FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE | FMODE_ATOMIC_POS);
    filp->f_mode |= FMODE_STREAM;
    return 0;
}
