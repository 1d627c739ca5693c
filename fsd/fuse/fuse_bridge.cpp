#include "fuse_bridge.h"

#include "errno_map.h"
#include "kernel/exec_context.h"
#include "poll_notifier.h"
#include "procfs/file_ops.h"
#include "procfs/proc_tree.h"
#include "worker_pool.h"

#include <fuse_lowlevel.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace lkmfs::fuse {

namespace {

using procfs::OpenFile;
using procfs::ProcTree;

// Every read reaches the handler and every lookup is fresh: entries appear and vanish at
// once, and /proc content is never cached by the kernel.
constexpr double kEntryTimeout = 0.0;
constexpr double kAttrTimeout = 0.0;

struct DirHandle {
    std::vector<procfs::DirItem> items;
};

timespec to_timespec(std::chrono::system_clock::time_point t) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    return {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

struct stat to_stat(const procfs::EntryAttr &a) {
    struct stat st {};
    st.st_ino = a.ino;
    st.st_mode = a.mode;
    st.st_nlink = a.nlink;
    st.st_uid = a.uid;
    st.st_gid = a.gid;
    st.st_size = a.size;
    st.st_blksize = 1024;
    st.st_atim = st.st_mtim = st.st_ctim = to_timespec(a.time);
    return st;
}

kernel::Caller caller_of(fuse_req_t req) {
    const fuse_ctx *ctx = fuse_req_ctx(req);
    return {ctx->pid, ctx->uid, ctx->gid};
}

WorkerPool &worker_pool_of(fuse_req_t req);

// A request on behalf of a process: `current` is that process, and the kernel's
// INTERRUPT (the process got a signal) reaches sleeping handlers as signal_pending().
// The scope must end before the reply: replying frees the request. Its worker counts as
// busy in module code meanwhile (see WorkerPool).
class RequestScope {
  public:
    explicit RequestScope(fuse_req_t req, OpenFile *file = nullptr)
        : busy_(worker_pool_of(req)), req_(req), task_(caller_for(req, file), &signal_) {
        fuse_req_interrupt_func(req_, &RequestScope::on_interrupt, &signal_);
    }
    ~RequestScope() {
        // Clearing under libfuse's request lock guarantees no callback still runs.
        fuse_req_interrupt_func(req_, nullptr, nullptr);
    }
    RequestScope(const RequestScope &) = delete;
    RequestScope &operator=(const RequestScope &) = delete;

  private:
    static kernel::Caller caller_for(fuse_req_t req, OpenFile *file) {
        kernel::Caller caller = caller_of(req);
        if (file == nullptr)
            return caller;
        if (caller.pid == 0)
            return file->last_caller();
        file->set_last_caller(caller);
        return caller;
    }
    static void on_interrupt(fuse_req_t, void *data) {
        static_cast<kernel::TaskSignal *>(data)->raise();
    }
    WorkerPool::Busy busy_;
    fuse_req_t req_;
    kernel::TaskSignal signal_;
    kernel::TaskScope task_;
};

void on_wakeup_signal(int) {}

} // namespace

struct FuseBridge::Impl {
    explicit Impl(ProcTree &t) : tree(t) {}

    ProcTree &tree;
    fuse_session *session = nullptr;
    bool mounted = false;
    MountOptions options;
    std::atomic<bool> serving{false};
    pthread_t serve_thread{};
    WorkerPool pool; // workers busy in module code, against mount.max_threads
    // Closed before the unmount closes the device: see NotifyGate.
    std::shared_ptr<NotifyGate> notify_gate = std::make_shared<NotifyGate>();

    std::mutex files_mutex; // owns the open files and directory snapshots by handle
    std::unordered_map<std::uint64_t, std::shared_ptr<OpenFile>> files;
    std::unordered_map<std::uint64_t, std::unique_ptr<DirHandle>> dirs;
    std::uint64_t next_dir_handle = 1;

    static Impl &of(fuse_req_t req) { return *static_cast<Impl *>(fuse_req_userdata(req)); }
    static OpenFile &file_of(fuse_file_info *fi) {
        return *reinterpret_cast<OpenFile *>(static_cast<std::uintptr_t>(fi->fh));
    }

    void reply_entry(fuse_req_t req, const proc_dir_entry &de) {
        fuse_entry_param e{};
        e.ino = de.ino;
        e.attr = to_stat(tree.attr(de));
        e.attr_timeout = kAttrTimeout;
        e.entry_timeout = kEntryTimeout;
        fuse_reply_entry(req, &e);
    }

    // ---- low-level operations ----
    static void init(void *userdata, fuse_conn_info *conn) {
        (void)userdata;
        // O_TRUNC reaches open() (f_flags) instead of becoming a setattr, as in /proc.
        if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
            conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
        // A handler sees writes of up to 1 MiB in one call, closer to Linux's one call.
        conn->max_write = 1u << 20;
    }

    static void lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
        Impl &self = of(req);
        auto de = self.tree.lookup(parent, name);
        if (!de)
            return void(fuse_reply_err(req, ENOENT));
        self.reply_entry(req, *de);
    }

    // An entry removed while open is gone from the tree but its open files still stat
    // (fstat on them must work; inode numbers are never reused).
    proc_dir_entry::Ptr find_including_open(fuse_ino_t ino) {
        if (auto de = tree.find(ino))
            return de;
        std::lock_guard lock(files_mutex);
        for (auto &[fh, file] : files)
            if (file->entry().ino == ino)
                return file->entry_ptr();
        return nullptr;
    }

    // Flags fcntl(F_SETFL) can change after open; the kernel sends them with every read and
    // write, so handlers see them as they are now.
    static void refresh_flags(OpenFile &file, const fuse_file_info *fi) {
        constexpr unsigned kSetfl =
            O_APPEND | O_NONBLOCK | O_NDELAY | O_DIRECT | O_NOATIME | FASYNC;
        file.file.f_flags =
            (file.file.f_flags & ~kSetfl) | (static_cast<unsigned>(fi->flags) & kSetfl);
    }

    static void getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info *) {
        Impl &self = of(req);
        auto de = self.find_including_open(ino);
        if (!de)
            return void(fuse_reply_err(req, ENOENT));
        struct stat st = to_stat(self.tree.attr(*de));
        fuse_reply_attr(req, &st, kAttrTimeout);
    }

    static void setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                        fuse_file_info *) {
        Impl &self = of(req);
        auto de = self.tree.find(ino);
        if (!de)
            return void(fuse_reply_err(req, ENOENT));
        // As proc_notify_change(): mode and owner change; size and times are ignored, so
        // `echo x > entry` (which truncates) works.
        if (to_set & FUSE_SET_ATTR_MODE)
            self.tree.chmod(*de, static_cast<umode_t>(attr->st_mode));
        if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
            auto cur = self.tree.attr(*de);
            self.tree.chown(*de, (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : cur.uid,
                            (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : cur.gid);
        }
        struct stat st = to_stat(self.tree.attr(*de));
        fuse_reply_attr(req, &st, kAttrTimeout);
    }

    static void readlink(fuse_req_t req, fuse_ino_t ino) {
        auto de = of(req).tree.find(ino);
        if (!de || !de->is_link())
            return void(fuse_reply_err(req, de ? EINVAL : ENOENT));
        fuse_reply_readlink(req, de->link_target.c_str());
    }

    static void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi) {
        Impl &self = of(req);
        auto dir = std::make_unique<DirHandle>();
        if (!self.tree.list(ino, &dir->items))
            return void(fuse_reply_err(req, self.tree.find(ino) ? ENOTDIR : ENOENT));
        std::lock_guard lock(self.files_mutex);
        fi->fh = self.next_dir_handle++;
        self.dirs.emplace(fi->fh, std::move(dir));
        if (fuse_reply_open(req, fi) != 0)
            self.dirs.erase(fi->fh);
    }

    static void readdir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info *fi) {
        Impl &self = of(req);
        DirHandle *dir = nullptr;
        {
            std::lock_guard lock(self.files_mutex);
            auto it = self.dirs.find(fi->fh);
            if (it == self.dirs.end())
                return void(fuse_reply_err(req, EBADF));
            dir = it->second.get();
        }
        std::vector<char> buf(size);
        std::size_t used = 0;
        for (auto i = static_cast<std::size_t>(off); i < dir->items.size(); ++i) {
            const procfs::DirItem &item = dir->items[i];
            struct stat st {};
            st.st_ino = item.ino;
            st.st_mode = item.mode;
            std::size_t need = fuse_add_direntry(req, buf.data() + used, size - used,
                                                 item.name.c_str(), &st, static_cast<off_t>(i + 1));
            if (need > size - used)
                break;
            used += need;
        }
        fuse_reply_buf(req, buf.data(), used);
    }

    static void releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info *fi) {
        Impl &self = of(req);
        {
            std::lock_guard lock(self.files_mutex);
            self.dirs.erase(fi->fh);
        }
        fuse_reply_err(req, 0);
    }

    static void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi) {
        Impl &self = of(req);
        auto de = self.tree.find(ino);
        if (!de)
            return void(fuse_reply_err(req, ENOENT));
        if (de->is_dir())
            return void(fuse_reply_err(req, EISDIR));
        procfs::OpenResult opened;
        {
            RequestScope scope(req);
            opened = procfs::open_entry(de, fi->flags);
        }
        if (opened.err != 0)
            return void(fuse_reply_err(req, to_user_errno(opened.err)));
        opened.file->set_last_caller(caller_of(req));
        fi->fh = reinterpret_cast<std::uintptr_t>(opened.file.get());
        fi->direct_io = 1; // every read reaches the handler (st_size is 0)
        fi->keep_cache = 0;
        fi->nonseekable = opened.nonseekable ? 1 : 0;
        {
            std::lock_guard lock(self.files_mutex);
            self.files.emplace(fi->fh, opened.file);
        }
        if (fuse_reply_open(req, fi) != 0) {
            // The opener is gone (interrupted): no release will come, so release now.
            procfs::release_file(opened.file);
            std::lock_guard lock(self.files_mutex);
            self.files.erase(fi->fh);
        }
    }

    static void read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info *fi) {
        thread_local std::vector<char> buf;
        if (buf.size() < size)
            buf.resize(size);
        ssize_t n;
        {
            RequestScope scope(req, &file_of(fi));
            refresh_flags(file_of(fi), fi);
            n = procfs::read_file(file_of(fi), buf.data(), size, off);
        }
        if (n < 0)
            return void(fuse_reply_err(req, to_user_errno(n)));
        fuse_reply_buf(req, buf.data(), static_cast<std::size_t>(n));
    }

    static void write(fuse_req_t req, fuse_ino_t, const char *data, size_t size, off_t off,
                      fuse_file_info *fi) {
        ssize_t n;
        {
            RequestScope scope(req, &file_of(fi));
            refresh_flags(file_of(fi), fi);
            n = procfs::write_file(file_of(fi), data, size, off);
        }
        if (n < 0)
            return void(fuse_reply_err(req, to_user_errno(n)));
        fuse_reply_write(req, static_cast<std::size_t>(n));
    }

    static void flush(fuse_req_t req, fuse_ino_t, fuse_file_info *) { fuse_reply_err(req, 0); }

    static void release(fuse_req_t req, fuse_ino_t, fuse_file_info *fi) {
        Impl &self = of(req);
        std::shared_ptr<OpenFile> file;
        {
            std::lock_guard lock(self.files_mutex);
            auto it = self.files.find(fi->fh);
            if (it != self.files.end()) {
                file = std::move(it->second);
                self.files.erase(it);
            }
        }
        if (file) {
            RequestScope scope(req, file.get());
            procfs::release_file(file);
        }
        fuse_reply_err(req, 0);
    }

    static void ioctl(fuse_req_t req, fuse_ino_t, unsigned int cmd, void *arg, fuse_file_info *fi,
                      unsigned flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz) {
        if (flags & FUSE_IOCTL_COMPAT)
            return void(fuse_reply_err(req, ENOTTY));
        // Restricted ioctls: the kernel copied in what _IOW declares and takes back what
        // _IOR declares; the handler's `arg` points at that buffer.
        std::size_t size = std::max(in_bufsz, out_bufsz);
        std::vector<char> buf(size);
        if (in_bufsz != 0)
            std::memcpy(buf.data(), in_buf, in_bufsz);
        unsigned long handler_arg = size != 0 ? reinterpret_cast<std::uintptr_t>(buf.data())
                                              : reinterpret_cast<std::uintptr_t>(arg);
        long ret;
        {
            RequestScope scope(req, &file_of(fi));
            ret = procfs::ioctl_file(file_of(fi), cmd, handler_arg, size ? buf.data() : nullptr,
                                     size);
        }
        if (ret < 0)
            return void(fuse_reply_err(req, to_user_errno(ret)));
        fuse_reply_ioctl(req, static_cast<int>(ret), out_bufsz ? buf.data() : nullptr, out_bufsz);
    }

    // The kernel passes a handle (ph) only when a poller will sleep; procfs keeps the newest
    // one for the wake-ups of the queues the handler waits on. Never ENOSYS: the kernel
    // would stop asking for every file of the mount.
    static void poll(fuse_req_t req, fuse_ino_t, fuse_file_info *fi, fuse_pollhandle *ph) {
        Impl &self = of(req);
        procfs::PollNotify notify;
        if (ph != nullptr)
            notify = make_poll_notifier(self.notify_gate, ph);
        // Kernels before FUSE 7.21 do not say which events the poller waits for.
        __poll_t events = fi->poll_events != 0 ? fi->poll_events : ~__poll_t{0};
        __poll_t mask;
        {
            RequestScope scope(req, &file_of(fi));
            mask = procfs::poll_file(file_of(fi), events, std::move(notify));
        }
        fuse_reply_poll(req, mask);
    }

    static void lseek(fuse_req_t req, fuse_ino_t, off_t off, int whence, fuse_file_info *fi) {
        loff_t pos;
        {
            RequestScope scope(req, &file_of(fi));
            pos = procfs::lseek_file(file_of(fi), off, whence);
        }
        if (pos < 0)
            return void(fuse_reply_err(req, to_user_errno(pos)));
        fuse_reply_lseek(req, pos);
    }

    static const fuse_lowlevel_ops &ops() {
        static const fuse_lowlevel_ops table = [] {
            fuse_lowlevel_ops o{};
            o.init = init;
            o.lookup = lookup;
            o.getattr = getattr;
            o.setattr = setattr;
            o.readlink = readlink;
            o.opendir = opendir;
            o.readdir = readdir;
            o.releasedir = releasedir;
            o.open = open;
            o.read = read;
            o.write = write;
            o.flush = flush;
            o.release = release;
            o.ioctl = ioctl;
            o.poll = poll;
            o.lseek = lseek;
            return o;
        }();
        return table;
    }
};

namespace {
WorkerPool &worker_pool_of(fuse_req_t req) {
    return FuseBridge::Impl::of(req).pool;
}
} // namespace

FuseBridge::FuseBridge(procfs::ProcTree &tree) : impl_(std::make_unique<Impl>(tree)) {}

FuseBridge::~FuseBridge() {
    impl_->notify_gate->close();
    unmount();
    if (impl_->session != nullptr)
        fuse_session_destroy(impl_->session);
}

Status FuseBridge::mount(const std::string &mountpoint, const MountOptions &options) {
    impl_->options = options;
    std::string opts = "fsname=lkmfs,subtype=lkmfs,default_permissions";
    if (options.allow_other)
        opts += ",allow_other";
    for (const auto &o : options.options)
        opts += "," + o;
    std::vector<std::string> argv_storage = {"lkmfsd", "-o", opts};
    if (options.debug)
        argv_storage.emplace_back("-d");
    std::vector<char *> argv;
    for (auto &a : argv_storage)
        argv.push_back(a.data());
    fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
    impl_->session = fuse_session_new(&args, &Impl::ops(), sizeof(fuse_lowlevel_ops), impl_.get());
    // Option parsing may have copied the arguments (args.allocated); the session keeps none.
    fuse_opt_free_args(&args);
    if (impl_->session == nullptr)
        return Status::error(EINVAL, "invalid mount options '" + opts + "'");
    if (fuse_session_mount(impl_->session, mountpoint.c_str()) != 0)
        return Status::error(EIO, "cannot mount on " + mountpoint +
                                      " (see the message above from libfuse/fusermount3)");
    impl_->mounted = true;
    return Status::ok();
}

int FuseBridge::serve() {
    // request_exit() interrupts the loop's wait with this signal.
    struct sigaction sa {};
    sa.sa_handler = on_wakeup_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, nullptr);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &usr1, nullptr);

    impl_->serve_thread = pthread_self();
    impl_->serving.store(true);
    fuse_loop_config *config = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(config, impl_->options.max_threads);
    impl_->pool.start(impl_->options.max_threads);
    fuse_loop_cfg_set_idle_threads(config, impl_->options.max_idle_threads);
    int ret = fuse_session_loop_mt(impl_->session, config);
    impl_->pool.stop();
    fuse_loop_cfg_destroy(config);
    impl_->serving.store(false);
    return ret;
}

void FuseBridge::request_exit() {
    if (impl_->session == nullptr)
        return;
    fuse_session_exit(impl_->session);
    if (impl_->serving.load())
        pthread_kill(impl_->serve_thread, SIGUSR1);
}

void FuseBridge::unmount() {
    if (impl_->mounted) {
        impl_->notify_gate->close();
        fuse_session_unmount(impl_->session);
        impl_->mounted = false;
    }
}

} // namespace lkmfs::fuse
