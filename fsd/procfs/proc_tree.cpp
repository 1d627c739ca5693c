#include "proc_tree.h"

#include "kernel/exec_context.h"
#include "kernel/loaded_module.h"

#include <cctype>
#include <cstring>

#include <linux/kernel.h>

namespace lkmfs::procfs {

namespace {

// WARN()-style report: Linux prints a full warning with a backtrace; we print its first
// line and the message, which is what a module author needs.
template <class... Args>
void warn(const char *where, const char *fmt, Args... args) {
    std::string format = std::string(KERN_WARNING "WARNING: at fs/proc/generic.c %s: ") + fmt;
    printk(format.c_str(), where, args...);
}

// Names /proc reserves for processes (name_to_int()): decimal numbers without a leading
// zero that fit in an unsigned int.
bool is_pid_name(const std::string &s) {
    if (s.empty() || (s.size() > 1 && s[0] == '0'))
        return false;
    unsigned long long value = 0;
    for (char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value >= 0xffffffffULL)
            return false;
    }
    return true;
}

} // namespace

ProcTree::ProcTree(uid_t owner_uid, gid_t owner_gid)
    : root_(std::make_shared<proc_dir_entry>()), owner_uid_(owner_uid), owner_gid_(owner_gid) {
    root_->ino = kRootIno;
    root_->mode = S_IFDIR | 0555;
    root_->uid = owner_uid;
    root_->gid = owner_gid;
    root_->created = std::chrono::system_clock::now();
    root_->inode.i_ino = kRootIno;
    root_->inode.i_mode = root_->mode;
    by_ino_[kRootIno] = root_;
}

ProcTree::~ProcTree() {
    // The mount is gone: files a process still held open (a reader blocked in kmsg when
    // the daemon stopped) will never see their release. Without this, each such file and
    // its entry would keep each other alive.
    for (auto &[ino, de] : by_ino_)
        de->drop_open_files();
}

proc_dir_entry *ProcTree::resolve_parent(const char *name, proc_dir_entry *parent,
                                         std::string *last) const {
    // As __xlate_proc_name: "a/b/c" under parent means c in parent/a/b.
    proc_dir_entry *dir = parent != nullptr ? parent : root_.get();
    std::string_view rest(name);
    while (true) {
        auto slash = rest.find('/');
        if (slash == std::string_view::npos)
            break;
        std::string component(rest.substr(0, slash));
        auto it = dir->children.find(component);
        if (it == dir->children.end() || !it->second->is_dir()) {
            warn("__xlate_proc_name", "name '%s'\n", name);
            return nullptr;
        }
        dir = it->second.get();
        rest.remove_prefix(slash + 1);
    }
    *last = std::string(rest);
    return dir;
}

proc_dir_entry *ProcTree::create(const char *name, umode_t mode, proc_dir_entry *parent,
                                 const struct proc_ops *ops, void *data, const char *link_target) {
    if (name == nullptr) {
        warn("__proc_create", "name NULL\n");
        return nullptr;
    }
    std::unique_lock lock(mutex_);
    std::string leaf;
    proc_dir_entry *dir = resolve_parent(name, parent, &leaf);
    if (dir == nullptr)
        return nullptr;
    if (dir->removed()) {
        warn("__proc_create", "parent of '%s' is being removed\n", name);
        return nullptr;
    }
    if (leaf.empty() || leaf.size() >= 256) {
        warn("__proc_create", "name len %zu\n", leaf.size());
        return nullptr;
    }
    if (leaf == "." || leaf == "..") {
        warn("__proc_create", "name '%s'\n", leaf.c_str());
        return nullptr;
    }
    if (dir == root_.get() && is_pid_name(leaf)) {
        warn("__proc_create", "create '/proc/%s' by hand\n", leaf.c_str());
        return nullptr;
    }
    if (dir->children.count(leaf) != 0) {
        warn("proc_register", "proc_dir_entry '%s/%s' already registered\n",
             dir == root_.get() ? "/proc" : dir->name.c_str(), leaf.c_str());
        return nullptr;
    }

    auto de = std::make_shared<proc_dir_entry>();
    de->name = leaf;
    de->ino = next_ino_++;
    de->mode = mode;
    de->uid = owner_uid_;
    de->gid = owner_gid_;
    de->ops = ops;
    de->data = data;
    de->parent = dir;
    de->permanent = ops != nullptr && (ops->proc_flags & PROC_ENTRY_PERMANENT) != 0;
    de->owner = kernel::exec_context().module;
    de->created = std::chrono::system_clock::now();
    if (link_target != nullptr) {
        de->link_target = link_target;
        de->size = static_cast<loff_t>(std::strlen(link_target));
    }
    de->inode.i_ino = static_cast<unsigned long>(de->ino);
    de->inode.i_mode = de->mode;
    de->inode.i_private = data;
    de->inode.i_uid = kuid_t{de->uid};
    de->inode.i_gid = kgid_t{de->gid};
    if (de->is_dir())
        ++dir->subdirs;
    dir->children.emplace(leaf, de);
    by_ino_.emplace(de->ino, de);
    return de.get();
}

void ProcTree::unlink_locked(proc_dir_entry &de, std::vector<proc_dir_entry::Ptr> *removed) {
    // Children first, so that rundown runs leaves before their directories.
    while (!de.children.empty())
        unlink_locked(*de.children.begin()->second, removed);
    proc_dir_entry *dir = de.parent;
    auto it = dir->children.find(de.name);
    proc_dir_entry::Ptr keep = it->second;
    if (de.is_dir())
        --dir->subdirs;
    running_down_.emplace(&de, de.path());
    dir->children.erase(it);
    by_ino_.erase(de.ino);
    removed->push_back(std::move(keep));
}

void ProcTree::run_down(std::vector<proc_dir_entry::Ptr> &removed) {
    // Outside the tree lock: rundown waits for handlers, which may look things up.
    for (auto &de : removed) {
        de->rundown();
        std::unique_lock lock(mutex_);
        running_down_.erase(de.get());
    }
}

template <class Fn>
void ProcTree::for_each_entry_of(const kernel::LoadedModule *module, Fn &&fn) const {
    for (const auto &[ino, de] : by_ino_)
        if (de->owner == module)
            fn(*de, de->path());
    for (const auto &[de, path] : running_down_)
        if (de->owner == module)
            fn(*de, path);
}

std::vector<CallReport> ProcTree::calls_into(const kernel::LoadedModule *module) const {
    std::vector<CallReport> calls;
    std::shared_lock lock(mutex_);
    for_each_entry_of(module, [&](proc_dir_entry &de, const std::string &path) {
        de.report_calls(path, &calls);
    });
    return calls;
}

std::size_t ProcTree::interrupt_calls_into(const kernel::LoadedModule *module) {
    std::shared_lock lock(mutex_);
    std::size_t signalled = 0;
    for_each_entry_of(module, [&](proc_dir_entry &de, const std::string &) {
        signalled += de.interrupt_calls();
    });
    return signalled;
}

void ProcTree::remove(const char *name, proc_dir_entry *parent) {
    std::vector<proc_dir_entry::Ptr> removed;
    {
        std::unique_lock lock(mutex_);
        std::string leaf;
        proc_dir_entry *dir = name != nullptr ? resolve_parent(name, parent, &leaf) : nullptr;
        auto it = dir != nullptr ? dir->children.find(leaf) : decltype(dir->children.end()){};
        if (dir == nullptr || it == dir->children.end()) {
            warn("remove_proc_entry", "name '%s'\n", name != nullptr ? name : "(null)");
            return;
        }
        proc_dir_entry &de = *it->second;
        if (de.permanent) {
            warn("remove_proc_entry", "removing permanent /proc entry '%s'\n", de.name.c_str());
            return;
        }
        if (!de.children.empty())
            // Linux leaks the children; we remove them too, so nothing dangles.
            warn("remove_proc_entry",
                 "removing non-empty directory '%s/%s', leaking at least '%s'\n",
                 dir == root_.get() ? "/proc" : dir->name.c_str(), de.name.c_str(),
                 de.children.begin()->first.c_str());
        unlink_locked(de, &removed);
    }
    run_down(removed);
}

int ProcTree::remove_subtree(const char *name, proc_dir_entry *parent) {
    std::vector<proc_dir_entry::Ptr> removed;
    {
        std::unique_lock lock(mutex_);
        std::string leaf;
        proc_dir_entry *dir = name != nullptr ? resolve_parent(name, parent, &leaf) : nullptr;
        if (dir == nullptr)
            return -ENOENT;
        auto it = dir->children.find(leaf);
        if (it == dir->children.end())
            return -ENOENT;
        if (it->second->permanent) {
            warn("remove_proc_subtree", "removing permanent /proc entry '%s'\n", leaf.c_str());
            return -EINVAL;
        }
        unlink_locked(*it->second, &removed);
    }
    run_down(removed);
    return 0;
}

void ProcTree::remove_entry(proc_dir_entry *de) {
    if (de == nullptr)
        return;
    std::vector<proc_dir_entry::Ptr> removed;
    {
        std::unique_lock lock(mutex_);
        if (de == root_.get() || by_ino_.count(de->ino) == 0)
            return;
        if (de->permanent) {
            warn("proc_remove", "removing permanent /proc entry '%s'\n", de->name.c_str());
            return;
        }
        unlink_locked(*de, &removed);
    }
    run_down(removed);
}

void ProcTree::remove_leftovers_of(kernel::LoadedModule *module) {
    std::vector<proc_dir_entry::Ptr> removed;
    {
        std::unique_lock lock(mutex_);
        std::vector<proc_dir_entry *> leftovers;
        for (auto &[ino, de] : by_ino_)
            if (de->owner == module)
                leftovers.push_back(de.get());
        // Report the topmost ones; their subtrees go with them.
        for (proc_dir_entry *de : leftovers) {
            bool ancestor_listed = false;
            for (proc_dir_entry *up = de->parent; up != nullptr; up = up->parent)
                ancestor_listed |= up->owner == module;
            if (ancestor_listed || by_ino_.count(de->ino) == 0)
                continue;
            printk(KERN_WARNING "lkmfs: removing /proc entry '%s' left behind by module %s\n",
                   de->path().c_str(), module->name().c_str());
            unlink_locked(*de, &removed);
        }
    }
    run_down(removed);
}

void ProcTree::mark_permanent(proc_dir_entry *de) {
    std::unique_lock lock(mutex_);
    de->permanent = true;
}

void ProcTree::set_size(proc_dir_entry *de, loff_t size) {
    std::unique_lock lock(mutex_);
    de->size = size;
    de->inode.i_size = size;
}

void ProcTree::set_user(proc_dir_entry *de, uid_t uid, gid_t gid) {
    chown(*de, uid, gid);
}

proc_dir_entry::Ptr ProcTree::find(std::uint64_t ino) const {
    std::shared_lock lock(mutex_);
    auto it = by_ino_.find(ino);
    return it != by_ino_.end() ? it->second : nullptr;
}

proc_dir_entry::Ptr ProcTree::lookup(std::uint64_t parent_ino, std::string_view name) const {
    std::shared_lock lock(mutex_);
    auto dir = by_ino_.find(parent_ino);
    if (dir == by_ino_.end() || !dir->second->is_dir())
        return nullptr;
    auto it = dir->second->children.find(std::string(name));
    return it != dir->second->children.end() ? it->second : nullptr;
}

bool ProcTree::list(std::uint64_t ino, std::vector<DirItem> *out) const {
    std::shared_lock lock(mutex_);
    auto dir = by_ino_.find(ino);
    if (dir == by_ino_.end() || !dir->second->is_dir())
        return false;
    const proc_dir_entry &de = *dir->second;
    out->clear();
    out->push_back({".", de.ino, de.mode});
    const proc_dir_entry &up = de.parent != nullptr ? *de.parent : de;
    out->push_back({"..", up.ino, up.mode});
    for (auto &[name, child] : de.children)
        out->push_back({name, child->ino, child->mode});
    return true;
}

EntryAttr ProcTree::attr(const proc_dir_entry &de) const {
    std::shared_lock lock(mutex_);
    EntryAttr a;
    a.ino = de.ino;
    a.mode = de.mode;
    a.nlink = de.is_dir() ? 2 + de.subdirs : 1;
    a.uid = de.uid;
    a.gid = de.gid;
    a.size = de.size;
    a.time = de.created;
    return a;
}

void ProcTree::chmod(proc_dir_entry &de, umode_t perm) {
    std::unique_lock lock(mutex_);
    de.mode = static_cast<umode_t>((de.mode & S_IFMT) | (perm & S_IALLUGO));
    de.inode.i_mode = de.mode;
}

void ProcTree::chown(proc_dir_entry &de, uid_t uid, gid_t gid) {
    std::unique_lock lock(mutex_);
    de.uid = uid;
    de.gid = gid;
    de.inode.i_uid = kuid_t{uid};
    de.inode.i_gid = kgid_t{gid};
}

} // namespace lkmfs::procfs
