#include "core_entries.h"

#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "kernel/taint.h"
#include "proc_tree.h"

#include <fcntl.h>

#include <cstdint>
#include <string>

#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

namespace lkmfs::procfs {

namespace {

using kernel::Kernel;

// The core's own entries: permanent, with only open/read/write handlers.
constexpr struct proc_ops core_ops(int (*open)(struct inode *, struct file *),
                                   ssize_t (*read)(struct file *, char __user *, size_t, loff_t *),
                                   ssize_t (*write)(struct file *, const char __user *, size_t,
                                                    loff_t *)) {
    struct proc_ops ops {};
    ops.proc_flags = PROC_ENTRY_PERMANENT;
    ops.proc_open = open;
    ops.proc_read = read;
    ops.proc_write = write;
    return ops;
}

// ---- modules: "name size refcount deps state address[ (taints)]", newest first --------

std::string modules_text(bool show_addresses) {
    std::string out;
    for (const auto &m : Kernel::get().modules().list()) {
        out += m.name + " " + std::to_string(m.size) + " " + std::to_string(m.refcount) + " ";
        std::string deps;
        for (const auto &h : m.holders)
            deps += h + ",";
        if (m.permanent)
            deps += "[permanent],";
        out += deps.empty() ? "-" : deps;
        out += " " + m.state;
        char addr[32];
        std::snprintf(addr, sizeof addr, " 0x%016llx",
                      show_addresses ? static_cast<unsigned long long>(m.address) : 0ULL);
        out += addr;
        if (!m.taints.empty()) {
            out += " (" + m.taints;
            if (m.state == "Unloading")
                out += "-";
            else if (m.state == "Loading")
                out += "+";
            out += ")";
        }
        out += "\n";
    }
    return out;
}

ssize_t modules_read(struct file *file, char __user *buf, size_t count, loff_t *ppos) {
    // Only a privileged reader sees load addresses (kallsyms_show_value()).
    bool privileged = file->f_cred->euid.val == 0;
    std::string text = modules_text(privileged);
    return simple_read_from_buffer(buf, count, ppos, text.data(), text.size());
}

const struct proc_ops modules_ops = core_ops(nullptr, modules_read, nullptr);

// ---- kmsg: one record per read, "prefix,seq,usec,flags;text\n" --------------------------

std::uint64_t reader_seq(struct file *file) {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(file->private_data));
}

void set_reader_seq(struct file *file, std::uint64_t seq) {
    file->private_data = reinterpret_cast<void *>(static_cast<std::uintptr_t>(seq));
}

std::string format_kmsg_record(const kernel::LogRecord &r) {
    std::string out = std::to_string((r.facility << 3) | r.level) + "," + std::to_string(r.seq) +
                      "," + std::to_string(r.ts_usec) + "," + (r.cont ? "c" : "-") + ";";
    for (unsigned char c : r.text) {
        if (c < ' ' || c >= 127 || c == '\\') {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\x%02x", c);
            out += esc;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '\n';
    return out;
}

int kmsg_open(struct inode *, struct file *file) {
    // Each open starts at the oldest record still in the ring.
    set_reader_seq(file, Kernel::get().log().first_seq());
    return 0;
}

ssize_t kmsg_read(struct file *file, char __user *buf, size_t count, loff_t *) {
    auto &log = Kernel::get().log();
    auto &ctx = kernel::exec_context();
    while (true) {
        kernel::LogRead r = log.read(reader_seq(file));
        if (r.status == kernel::LogRead::Status::Overwritten) {
            set_reader_seq(file, r.next_seq);
            return -EPIPE; // records were lost; the next read continues at the oldest
        }
        if (r.status == kernel::LogRead::Status::Record) {
            std::string line = format_kmsg_record(r.record);
            if (line.size() > count)
                return -EINVAL;
            if (copy_to_user(buf, line.data(), line.size()) != 0)
                return -EFAULT;
            set_reader_seq(file, r.next_seq);
            return static_cast<ssize_t>(line.size());
        }
        if (file->f_flags & O_NONBLOCK)
            return -EAGAIN;
        auto interrupted = [&] {
            return signal_pending(current) != 0 || Kernel::get().shutting_down();
        };
        if (ctx.signal != nullptr)
            ctx.signal->set_waker([&log] { log.kick_waiters(); });
        bool more = log.wait_for(reader_seq(file), interrupted);
        if (ctx.signal != nullptr)
            ctx.signal->clear_waker();
        if (!more)
            return -ERESTARTSYS;
    }
}

ssize_t kmsg_write(struct file *, const char __user *buf, size_t count, loff_t *) {
    // As devkmsg_write(): an optional "<N>" prefix gives facility and level; user space
    // cannot log as the kernel facility, which becomes LOG_USER.
    std::string text(count, '\0');
    if (copy_from_user(text.data(), buf, count) != 0)
        return -EFAULT;
    int level = 4;
    int facility = 1;
    if (text.size() > 2 && text[0] == '<') {
        auto close = text.find('>');
        if (close != std::string::npos && close > 1) {
            try {
                int prefix = std::stoi(text.substr(1, close - 1));
                level = prefix & 7;
                facility = prefix >> 3 != 0 ? prefix >> 3 : 1;
                text.erase(0, close + 1);
            } catch (const std::exception &) {
                // not a prefix: logged as it is
            }
        }
    }
    Kernel::get().log().store(level, false, current->pid, text, facility);
    return static_cast<ssize_t>(count);
}

const struct proc_ops kmsg_ops = core_ops(kmsg_open, kmsg_read, kmsg_write);

// ---- sys/kernel/tainted: the taint mask in decimal, as /proc/sys/kernel/tainted --------

ssize_t tainted_read(struct file *, char __user *buf, size_t count, loff_t *ppos) {
    std::string text = std::to_string(kernel::taint_mask()) + "\n";
    return simple_read_from_buffer(buf, count, ppos, text.data(), text.size());
}

// As proc_taint(): root may add flags (never clear them) by writing a mask.
ssize_t tainted_write(struct file *file, const char __user *buf, size_t count, loff_t *) {
    if (file->f_cred->euid.val != 0)
        return -EPERM;
    char text[32] = {};
    if (count >= sizeof text)
        return -EINVAL;
    if (copy_from_user(text, buf, count) != 0)
        return -EFAULT;
    unsigned long mask = 0;
    if (kstrtoul(text, 0, &mask) != 0)
        return -EINVAL;
    for (unsigned flag = 0; flag < kernel::kTaintFlagsCount; ++flag)
        if ((mask & (1UL << flag)) != 0)
            kernel::add_taint(flag);
    return static_cast<ssize_t>(count);
}

const struct proc_ops tainted_ops = core_ops(nullptr, tainted_read, tainted_write);

// The directory `name` under `parent` (null: the root), created unless another core entry
// already made it.
proc_dir_entry *core_dir(ProcTree &tree, const char *name, proc_dir_entry *parent) {
    auto existing = tree.lookup(parent != nullptr ? parent->ino : ProcTree::kRootIno, name);
    if (existing != nullptr)
        return existing.get();
    proc_dir_entry *dir = tree.create(name, S_IFDIR | 0555, parent, nullptr, nullptr, nullptr);
    tree.mark_permanent(dir);
    return dir;
}

} // namespace

void register_core_entries(ProcTree &tree) {
    tree.create("modules", S_IFREG | 0444, nullptr, &modules_ops, nullptr, nullptr);
    tree.create("kmsg", S_IFREG | 0644, nullptr, &kmsg_ops, nullptr, nullptr);
    proc_dir_entry *sys_kernel = core_dir(tree, "kernel", core_dir(tree, "sys", nullptr));
    tree.create("tainted", S_IFREG | 0644, sys_kernel, &tainted_ops, nullptr, nullptr);
}

} // namespace lkmfs::procfs
