// Compiled as a module's C++ is (-fno-exceptions -fno-rtti, see tests/unit/CMakeLists.txt):
// the C++ layer used the way cxx_layer_module.h describes.
#include "cxx_layer_module.h"

#include <lkmfs/proc.hpp>
#include <lkmfs/uaccess.hpp>

#include <linux/fs.h>
#include <linux/proc_fs.h>

namespace lkmfs_cxx_test {
namespace {

// Counts its own destruction; a moved-from copy counts nothing.
class Tracker {
  public:
    explicit Tracker(Trace *trace) noexcept : trace_(trace) {}
    Tracker(Tracker &&other) noexcept : trace_(std::exchange(other.trace_, nullptr)) {}
    Tracker &operator=(Tracker &&) = delete;
    ~Tracker() {
        if (trace_ != nullptr) {
            ++trace_->captures_destroyed;
            trace_->event('D');
        }
    }

  private:
    Trace *trace_;
};

ssize_t c_read(struct file *, char __user *buf, size_t count, loff_t *ppos) {
    static const char text[] = "c-style\n";
    return simple_read_from_buffer(buf, count, ppos, text, sizeof text - 1);
}

} // namespace

int create_traced_file(lkmfs::proc_file &out, const char *name, Trace &trace,
                       struct proc_dir_entry *parent) {
    auto file = lkmfs::proc_file::create(
        name, 0666, parent,
        lkmfs::handlers{
            .open =
                [&trace](lkmfs::file_ref f) {
                    ++trace.opens;
                    trace.event('o');
                    trace.open_append = f.append();
                    trace.open_readable = f.readable();
                    trace.open_writable = f.writable();
                    f.set_private_data(&trace);
                    return 0;
                },
            .read = [&trace](lkmfs::file_ref, lkmfs::user_out to, loff_t &pos) -> ssize_t {
                ++trace.reads;
                trace.event('r');
                trace.read_pos = pos;
                trace.read_count = to.size();
                return lkmfs::read_from_buffer(
                    to, pos, std::span<const char>(trace.content, trace.content_len));
            },
            .write = [&trace](lkmfs::file_ref, lkmfs::user_in from, loff_t &pos) -> ssize_t {
                ++trace.writes;
                trace.event('w');
                trace.write_pos = pos;
                ssize_t n = lkmfs::write_to_buffer(std::span<char>(trace.content), pos, from);
                if (n > 0 && static_cast<std::size_t>(pos) > trace.content_len)
                    trace.content_len = static_cast<std::size_t>(pos);
                return n;
            },
            .lseek = [&trace](lkmfs::file_ref, loff_t offset, int whence) -> loff_t {
                ++trace.lseeks;
                trace.event('l');
                trace.last_whence = whence;
                return offset;
            },
            .release =
                [&trace, tracker = Tracker(&trace)](lkmfs::file_ref f) {
                    ++trace.releases;
                    trace.event('R');
                    trace.release_saw_private_data = f.private_data<Trace>() == &trace;
                },
            .ioctl = [&trace](lkmfs::file_ref, unsigned int cmd, unsigned long arg) -> long {
                ++trace.ioctls;
                trace.event('i');
                return static_cast<long>(cmd * 100 + arg);
            },
        });
    if (!file)
        return file.error();
    out = std::move(*file);
    return 0;
}

int create_read_only_file(lkmfs::proc_file &out, const char *name) {
    auto file = lkmfs::proc_file::create(
        name, 0444, nullptr,
        lkmfs::handlers{
            .read =
                [](lkmfs::file_ref, lkmfs::user_out to, loff_t &pos) {
                    return lkmfs::read_from_buffer(to, pos, std::span<const char>("ro\n", 3));
                },
        });
    if (!file)
        return file.error();
    out = std::move(*file);
    return 0;
}

int create_c_style_file(lkmfs::proc_file &out, const char *name, int *releases) {
    // A C handler's pde_data() is the layer's handlers object, not module data: what the
    // release needs, it captures (a lambda may take struct proc_ops's signature too).
    auto file = lkmfs::proc_file::create(name, 0444, nullptr,
                                         lkmfs::handlers{
                                             .open = nonseekable_open,
                                             .read = c_read,
                                             .lseek = default_llseek,
                                             .release =
                                                 [releases](struct inode *, struct file *) {
                                                     ++*releases;
                                                     return 0;
                                                 },
                                         });
    if (!file)
        return file.error();
    out = std::move(*file);
    return 0;
}

int create_dir(lkmfs::proc_dir &out, const char *name) {
    auto dir = lkmfs::proc_dir::create(name);
    if (!dir)
        return dir.error();
    out = std::move(*dir);
    return 0;
}

} // namespace lkmfs_cxx_test
