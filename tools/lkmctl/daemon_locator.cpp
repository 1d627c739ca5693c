#include "daemon_locator.h"

#include "control/socket_dir.h"
#include "daemon_connection.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace lkmfs::lkmctl {

using control::Error;

namespace {

// A daemon busy loading a module still answers hello from its I/O thread at once; this
// only guards against a socket whose owner hangs.
constexpr std::chrono::milliseconds kHelloTimeout{2000};

std::optional<RunningDaemon> ask_hello(const std::string &socket_path) {
    DaemonConnection connection;
    if (connection.connect(socket_path))
        return std::nullopt;
    connection.set_timeout(kHelloTimeout);
    nlohmann::json reply;
    if (connection.request({{"op", "hello"}}, &reply))
        return std::nullopt;
    std::string mountpoint = "?";
    if (auto it = reply.find("mountpoint"); it != reply.end() && it->is_string())
        mountpoint = it->get<std::string>();
    return RunningDaemon{socket_path, mountpoint};
}

bool accepts_connections(const std::string &socket_path) {
    DaemonConnection connection;
    return !connection.connect(socket_path);
}

bool exists(const std::string &path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

Error locate_by_mountpoint(const std::string &mountpoint, const std::vector<std::string> &dirs,
                           std::string *socket_path) {
    std::string name = control::socket_file_name(control::canonical_mountpoint(mountpoint));
    std::optional<std::string> existing;
    for (const std::string &dir : dirs) {
        std::string candidate = dir + "/" + name;
        if (!exists(candidate))
            continue;
        if (accepts_connections(candidate)) {
            *socket_path = candidate;
            return {};
        }
        if (!existing)
            existing = candidate;
    }
    if (existing) { // stale: connecting will say why, naming the socket
        *socket_path = *existing;
        return {};
    }
    return {ENOENT, "no lkmfs daemon is serving " + mountpoint + " (start one with: lkmfsd " +
                        mountpoint + ")"};
}

Error locate_only_daemon(const std::vector<std::string> &dirs, std::string *socket_path) {
    std::vector<RunningDaemon> daemons = find_running_daemons(dirs);
    if (daemons.empty())
        return {ENOENT, "no lkmfs daemon is running (start one with: lkmfsd MOUNTPOINT)"};
    if (daemons.size() == 1) {
        *socket_path = daemons.front().socket_path;
        return {};
    }
    std::string message = "several lkmfs daemons are running; choose one with -m MOUNTPOINT:";
    for (const RunningDaemon &daemon : daemons)
        message += "\n  " + daemon.mountpoint;
    return {EEXIST, message};
}

} // namespace

std::vector<RunningDaemon> find_running_daemons(const std::vector<std::string> &dirs) {
    std::vector<std::string> sockets;
    for (const std::string &dir : dirs) {
        std::error_code ec;
        for (const auto &entry : std::filesystem::directory_iterator(dir, ec))
            if (entry.path().extension() == ".sock")
                sockets.push_back(entry.path().string());
    }
    std::sort(sockets.begin(), sockets.end());
    std::vector<RunningDaemon> daemons;
    for (const std::string &socket : sockets)
        if (auto daemon = ask_hello(socket))
            daemons.push_back(std::move(*daemon));
    return daemons;
}

Error locate_daemon_in(const std::optional<std::string> &mountpoint,
                       const std::vector<std::string> &dirs, std::string *socket_path) {
    if (mountpoint)
        return locate_by_mountpoint(*mountpoint, dirs, socket_path);
    return locate_only_daemon(dirs, socket_path);
}

Error locate_daemon(const std::optional<std::string> &mountpoint, std::string *socket_path) {
    // An explicit socket (tests, unusual setups) overrides every search.
    if (const char *explicit_socket = std::getenv("LKMFS_SOCKET");
        explicit_socket != nullptr && explicit_socket[0] != '\0') {
        *socket_path = explicit_socket;
        return {};
    }
    return locate_daemon_in(mountpoint,
                            control::client_search_dirs(::getuid(), std::getenv("XDG_RUNTIME_DIR")),
                            socket_path);
}

} // namespace lkmfs::lkmctl
