#include "control_server.h"

#include "control_session.h"
#include "server_context.h"
#include "socket_claim.h"
#include "socket_dir.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio> // renameat2 (glibc declares it in stdio.h)
#include <cstring>
#include <exception>
#include <future>
#include <optional>
#include <thread>
#include <vector>

namespace lkmfs::control {

namespace asio = boost::asio;
using boost::system::error_code;
using stream_protocol = asio::local::stream_protocol;

namespace {

// After a failed accept (e.g. EMFILE) wait a little instead of spinning on the error.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

std::string parent_dir(const std::string &path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return {};
    return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

struct ControlServer::Impl {
    Impl(ControlBackend &backend, ControlOptions options)
        : context(backend, std::move(options)), acceptor(context.io), accept_retry(context.io) {}

    Error bind_socket();
    void accept_next();
    void close_everything(); // on the I/O thread
    void run_io();

    ServerContext context;
    stream_protocol::acceptor acceptor;
    asio::steady_timer accept_retry;
    std::vector<std::weak_ptr<ControlSession>> sessions; // I/O thread only
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread io_thread;
    ino_t socket_inode = 0;
    bool running = false;
    bool started_once = false; // an io_context that has been stopped stays stopped
};

ControlServer::ControlServer(ControlBackend &backend, ControlOptions options)
    : impl_(std::make_unique<Impl>(backend, std::move(options))) {}

ControlServer::~ControlServer() {
    stop();
}

Error ControlServer::start() {
    if (impl_->started_once)
        return {EBUSY, "a control server can be started only once"};
    const std::string &path = impl_->context.options.socket_path;
    if (std::string dir = parent_dir(path); !dir.empty() && dir != "/")
        if (Error e = ensure_socket_dir(dir, ::geteuid()))
            return e;
    if (Error e = claim_socket_path(path))
        return e;
    if (Error e = impl_->bind_socket())
        return e;
    impl_->running = true;
    impl_->started_once = true;
    impl_->accept_next();
    impl_->work.emplace(impl_->context.io.get_executor());
    impl_->io_thread = std::thread([impl = impl_.get()] { impl->run_io(); });
    return {};
}

// The socket is bound and made listening under a private name, then renamed into place:
// whoever sees `path` can connect at once (no window between bind(2) and listen(2) in which
// a client, or a supervisor polling for the file, would get ECONNREFUSED), and with the
// final permissions already set.
Error ControlServer::Impl::bind_socket() {
    const std::string &path = context.options.socket_path;
    std::string staging = path + ".new";
    if (staging.size() >= sizeof(sockaddr_un::sun_path))
        staging = path; // no room for a staging name: bind in place (a short window remains)
    auto failed = [&](const std::string &what, int err) {
        error_code ignored;
        acceptor.close(ignored);
        if (staging != path)
            ::unlink(staging.c_str());
        return Error{err, what + " " + path + ": " + std::strerror(err)};
    };
    if (staging != path && ::unlink(staging.c_str()) != 0 && errno != ENOENT)
        return failed("cannot remove the leftover staging socket of", errno);
    error_code ec;
    if (acceptor.open(stream_protocol(), ec); ec)
        return failed("cannot create socket for", ec.value());
    if (acceptor.bind(stream_protocol::endpoint(staging), ec); ec)
        return failed("cannot bind", ec.value());
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
        return failed("cannot listen on", ec.value());
    // With read access for all, anyone may connect and what they may do is decided per
    // request (access_policy.h); otherwise only the owner (and root) may connect at all.
    mode_t mode = context.options.read_access == ReadAccess::All ? 0666 : 0600;
    struct stat st {};
    if (::chmod(staging.c_str(), mode) != 0 || ::stat(staging.c_str(), &st) != 0)
        return failed("cannot set permissions of", errno);
    // RENAME_NOREPLACE: a server that claimed the path meanwhile keeps it.
    if (staging != path &&
        ::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0)
        return failed(errno == EEXIST ? "another server appeared at" : "cannot rename socket to",
                      errno == EEXIST ? EADDRINUSE : errno);
    socket_inode = st.st_ino;
    return {};
}

void ControlServer::Impl::accept_next() {
    acceptor.async_accept([this](error_code ec, stream_protocol::socket socket) {
        if (!acceptor.is_open())
            return; // stopping
        if (ec) {
            accept_retry.expires_after(kAcceptRetryDelay);
            accept_retry.async_wait([this](error_code wait_ec) {
                if (!wait_ec)
                    accept_next();
            });
            return;
        }
        std::erase_if(sessions, [](const auto &weak) { return weak.expired(); });
        if (sessions.size() < kMaxConnections) {
            auto session = std::make_shared<ControlSession>(context, std::move(socket));
            sessions.push_back(session);
            session->start();
        } // else `socket` closes here: the client sees the connection end at once
        accept_next();
    });
}

void ControlServer::Impl::close_everything() {
    error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    for (const auto &weak : sessions)
        if (auto session = weak.lock())
            session->close();
    sessions.clear();
}

void ControlServer::Impl::run_io() {
    for (;;) {
        try {
            context.io.run();
            return;
        } catch (const std::exception &e) {
            // Handlers do not throw by design; if one does, keep serving the others.
            std::fprintf(stderr, "lkmfsd: control: %s\n", e.what());
        }
    }
}

void ControlServer::stop() {
    if (!impl_->running)
        return;
    impl_->running = false;
    ServerContext &context = impl_->context;
    context.stopping = true;

    std::promise<void> closed;
    asio::post(context.io, [&] {
        impl_->close_everything();
        closed.set_value();
    });
    closed.get_future().wait();

    // Followers sleep in log_wait; with `stopping` set, a kick sends them home. Workers
    // still posting replies need the I/O thread, so it keeps running until they are done.
    context.backend.log_kick();
    context.workers.join_all();

    impl_->work.reset();
    context.io.stop();
    impl_->io_thread.join();

    // Remove the socket only if it is still ours.
    const std::string &path = context.options.socket_path;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && st.st_ino == impl_->socket_inode)
        ::unlink(path.c_str());
}

} // namespace lkmfs::control
