#include "model.h"

#include <seekmark.h>

#include <cerrno>
#include <climits>
#include <cstdio>

namespace seekmark::test {

namespace {

using Kind = Description::Kind;

std::string value(long v) {
    return std::to_string(v);
}

// lseek on a description the process holds (never a directory: the generator does not
// seek those). Returns the new position or -errno.
long descriptor_seek(Description &d, long off, long whence) {
    const WhenceParts w = split_whence(whence);
    const bool standard = !w.unknown_flags && !w.push && !w.pop && w.ref <= SEEK_HOLE;
    if (d.kind == Kind::kPipe) {
        // The kernel refuses any seek of a pipe; the shim's own checks come first.
        if (standard) {
            return -ESPIPE;
        }
        if (w.unknown_flags || w.ref > SEEK_BOOKMARK) {
            return -EINVAL;
        }
        if (w.ref == SEEK_BOOKMARK || w.pop) {
            return -EINVAL; // the stack of a pipe is always empty
        }
        return -ESPIPE; // the push needs the position, which a pipe has not
    }
    if (standard) {
        const long pos = Model::kernel_seek(d, off, w.ref);
        if (pos >= 0) {
            d.pos = pos;
        }
        return pos;
    }
    // The contract, in its order: 1. whence; 2. empty stack; then the full stack (checked
    // before moving, so that nothing changes); 3. the move.
    if (w.unknown_flags || w.ref > SEEK_BOOKMARK) {
        return -EINVAL;
    }
    const bool uses_stack = w.ref == SEEK_BOOKMARK || w.pop;
    if (uses_stack && d.stack.empty()) {
        return -EINVAL;
    }
    if (w.push && !w.pop && d.stack.size() == kModelStackMax) {
        return -ENOMEM;
    }
    long pos = 0;
    if (w.ref == SEEK_BOOKMARK) {
        long target = 0;
        if (__builtin_add_overflow(d.stack.back(), off, &target) || target < 0) {
            return -EINVAL;
        }
        pos = Model::kernel_seek(d, target, SEEK_SET);
    } else {
        pos = Model::kernel_seek(d, off, w.ref);
    }
    if (pos < 0) {
        return pos;
    }
    // 4. With the stack as it was: pop, then push the position before the call.
    const long before = d.pos;
    if (w.pop) {
        d.stack.pop_back();
    }
    if (w.push) {
        d.stack.push_back(before);
    }
    d.pos = pos;
    return pos;
}

void close_fd(Process &p, int fd) {
    p.fds.erase(fd);
}

} // namespace

WhenceParts split_whence(long whence) {
    const auto w = static_cast<unsigned>(whence);
    const unsigned flags = w & ~0xffu;
    return WhenceParts{static_cast<int>(w & 0xff), (flags & SEEK_PUSH) != 0,
                       (flags & SEEK_POP) != 0, (flags & ~unsigned{SEEK_PUSH | SEEK_POP}) != 0};
}

Model::Model(std::vector<long> file_sizes) : sizes_(std::move(file_sizes)) {}

Process Model::new_process() const {
    Process p;
    for (int fd = 0; fd < 3; ++fd) {
        auto d = std::make_shared<Description>();
        d->kind = Kind::kPipe; // never used by the operations; any non-file will do
        p.fds[fd] = d;
    }
    return p;
}

long Model::kernel_seek(const Description &d, long off, int ref) {
    long target = 0;
    switch (ref) {
    case SEEK_SET:
        target = off;
        break;
    case SEEK_CUR:
        if (off == 0) {
            return d.pos;
        }
        if (__builtin_add_overflow(d.pos, off, &target)) {
            return -EINVAL;
        }
        break;
    case SEEK_END:
        if (__builtin_add_overflow(d.size, off, &target)) {
            return -EINVAL;
        }
        break;
    case SEEK_DATA: // a file without holes: data everywhere before the end
        if (static_cast<unsigned long>(off) >= static_cast<unsigned long>(d.size)) {
            return -ENXIO;
        }
        target = off;
        break;
    case SEEK_HOLE: // ... and the only hole at the end
        if (static_cast<unsigned long>(off) >= static_cast<unsigned long>(d.size)) {
            return -ENXIO;
        }
        target = d.size;
        break;
    default:
        return -EINVAL;
    }
    return target < 0 ? -EINVAL : target;
}

int Model::lowest_free(const Process &p, int from) const {
    int fd = from;
    while (p.fds.count(fd) != 0) {
        ++fd;
    }
    return fd;
}

std::string Model::apply_lseek(Process &p, const Op &op) const {
    const int fd = static_cast<int>(op.args[0]);
    if (op.name == "pushn") {
        auto it = p.fds.find(fd);
        long pushed = 0;
        int err = 0;
        for (long i = 0; i < op.args[1] && err == 0; ++i) {
            const long pos =
                it == p.fds.end() ? -EBADF : descriptor_seek(*it->second, 0, SEEK_CUR | SEEK_PUSH);
            if (pos < 0) {
                err = static_cast<int>(-pos);
            } else {
                ++pushed;
            }
        }
        return result_ok(op, value(pushed) + (err != 0 ? " " + errno_name(err) : ""));
    }
    auto it = p.fds.find(fd);
    if (it == p.fds.end()) {
        return result_err(op, EBADF);
    }
    const long pos = descriptor_seek(*it->second, op.args[1], op.args[2]);
    return pos < 0 ? result_err(op, static_cast<int>(-pos)) : result_ok(op, value(pos));
}

// glibc 2.36 unbuffered read streams (checked on this machine): fread reads at the
// description's position and advances the cached offset only if there is one; ftell
// answers the cached offset, or the description's position when there is none; fseek
// turns SEEK_CUR into SEEK_SET with the cached offset (EINVAL without a system call if
// that is negative) or passes it on when there is none, turns SEEK_END into SEEK_SET with
// the file's size, and caches the result. The shim's bookmark fseek is built from ftello
// and fseeko, so it inherits all of this.
std::string Model::apply_stream(Process &p, const Op &op) const {
    Stream &s = p.streams.at(op.args[0]);
    Description &d = *p.fds.at(s.fd);
    auto tell = [&] { return s.cached ? *s.cached : d.pos; };
    auto seek = [&](long off, int ref) -> long { // fseeko; new position or -errno
        long target = off;
        if (ref == SEEK_CUR) {
            if (!s.cached) {
                target = kernel_seek(d, off, SEEK_CUR);
            } else if (__builtin_add_overflow(*s.cached, off, &target) || target < 0) {
                return -EINVAL;
            }
        } else if (ref == SEEK_END) {
            target = d.size + off;
        } else if (ref != SEEK_SET) {
            return -EINVAL;
        }
        if (target < 0) {
            return -EINVAL;
        }
        d.pos = target;
        s.cached = target;
        return target;
    };
    if (op.name == "ftell") {
        return result_ok(op, value(tell()));
    }
    if (op.name == "fread") {
        const long n = std::max(0L, std::min(op.args[1], d.size - d.pos));
        d.pos += n;
        if (s.cached) {
            *s.cached += n;
        }
        return result_ok(op, value(n));
    }
    // fseek
    const long off = op.args[1];
    const WhenceParts w = split_whence(op.args[2]);
    if (!w.unknown_flags && !w.push && !w.pop && w.ref <= SEEK_HOLE) {
        const long pos = seek(off, w.ref);
        return pos < 0 ? result_err(op, static_cast<int>(-pos)) : result_ok(op, "0");
    }
    if (w.unknown_flags ||
        (w.ref != SEEK_SET && w.ref != SEEK_CUR && w.ref != SEEK_END && w.ref != SEEK_BOOKMARK)) {
        return result_err(op, EINVAL);
    }
    const bool uses_stack = w.ref == SEEK_BOOKMARK || w.pop;
    if (uses_stack && d.stack.empty()) {
        return result_err(op, EINVAL);
    }
    if (w.push && !w.pop && d.stack.size() == kModelStackMax) {
        return result_err(op, ENOMEM);
    }
    const long before = tell();
    long pos = 0;
    if (w.ref == SEEK_BOOKMARK) {
        long target = 0;
        if (__builtin_add_overflow(d.stack.back(), off, &target) || target < 0) {
            return result_err(op, EINVAL);
        }
        pos = seek(target, SEEK_SET);
    } else if (w.push && w.ref == SEEK_CUR && off == 0) {
        pos = before; // "push where I am" does not move, so it does not touch the cache
    } else {
        pos = seek(off, w.ref);
    }
    if (pos < 0) {
        return result_err(op, static_cast<int>(-pos));
    }
    if (w.pop) {
        d.stack.pop_back();
    }
    if (w.push) {
        d.stack.push_back(before);
    }
    return result_ok(op, "0");
}

std::string Model::apply_dup(Process &p, const Op &op) const {
    const int fd = static_cast<int>(op.args[0]);
    auto it = p.fds.find(fd);
    if (op.name == "dup3" && fd == op.args[1]) {
        return result_err(op, EINVAL); // before the descriptor is looked at
    }
    if (it == p.fds.end()) {
        return result_err(op, EBADF);
    }
    const auto d = it->second;
    int target = 0;
    if (op.name == "dup") {
        target = lowest_free(p, 0);
    } else if (op.name == "dupfd") {
        target = lowest_free(p, static_cast<int>(op.args[1]));
    } else {
        target = static_cast<int>(op.args[1]); // dup2, dup3
    }
    p.fds[target] = d; // dup2 onto an open number closes what it had
    return result_ok(op, value(target));
}

std::string Model::apply(Process &p, const Op &op) const {
    const std::string &n = op.name;
    if (n == "open" || n == "fopen" || n == "opendir" || n == "pipe") {
        auto d = std::make_shared<Description>();
        const int fd = lowest_free(p, 0);
        if (n == "pipe") {
            auto w = std::make_shared<Description>();
            d->kind = Kind::kPipe;
            w->kind = Kind::kPipe;
            p.fds[fd] = d;
            const int wfd = lowest_free(p, 0);
            p.fds[wfd] = w;
            return result_ok(op, value(fd) + " " + value(wfd));
        }
        if (n == "opendir") {
            d->kind = Kind::kDir;
            p.dirs[op.args[0]] = fd;
        } else {
            d->size = sizes_.at(static_cast<std::size_t>(op.args[0]));
            if (n == "fopen") {
                p.streams[op.args[1]] = Stream{fd, std::nullopt};
            }
        }
        p.fds[fd] = d;
        return result_ok(op, value(fd));
    }
    if (n == "fclose") {
        close_fd(p, p.streams.at(op.args[0]).fd);
        p.streams.erase(op.args[0]);
        return result_ok(op, "0");
    }
    if (n == "closedir") {
        close_fd(p, p.dirs.at(op.args[0]));
        p.dirs.erase(op.args[0]);
        return result_ok(op, "0");
    }
    if (n == "close") {
        const int fd = static_cast<int>(op.args[0]);
        if (p.fds.count(fd) == 0) {
            return result_err(op, EBADF);
        }
        close_fd(p, fd);
        return result_ok(op, "0");
    }
    if (n == "dup" || n == "dup2" || n == "dup3" || n == "dupfd") {
        return apply_dup(p, op);
    }
    if (n == "read") {
        auto it = p.fds.find(static_cast<int>(op.args[0]));
        if (it == p.fds.end()) {
            return result_err(op, EBADF);
        }
        Description &d = *it->second;
        const long got = std::max(0L, std::min(op.args[1], d.size - d.pos));
        d.pos += got;
        return result_ok(op, value(got));
    }
    if (n == "lseek" || n == "pushn") {
        return apply_lseek(p, op);
    }
    if (n == "fseek" || n == "ftell" || n == "fread") {
        return apply_stream(p, op);
    }
    return op_text(op) + " ? unknown operation";
}

std::vector<std::string> Model::run(Process &p, const Sequence &ops) const {
    std::vector<std::string> lines;
    for (const Op &op : ops) {
        if (op.name == "fork") {
            Process child = p; // the table is copied; descriptions are shared
            for (std::string &line : run(child, op.block)) {
                lines.push_back(std::move(line));
            }
            lines.push_back(result_ok(op, "0")); // the child exits, closing all it has
        } else {
            lines.push_back(apply(p, op));
        }
    }
    return lines;
}

} // namespace seekmark::test
