#include "mountpoint.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lkmfs::daemon {

namespace {

// mountinfo escapes spaces and other bytes in paths as \ooo.
std::string unescape_mountinfo(const std::string &s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

// The filesystem type mounted exactly at `path`, or "" if none.
std::string mounted_fstype(const std::string &path) {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    std::string found;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, dev, root, mnt;
        fields >> id >> parent >> dev >> root >> mnt;
        if (unescape_mountinfo(mnt) != path)
            continue;
        std::string field;
        while (fields >> field && field != "-") {
        }
        fields >> found; // the last mount at a path is the one on top
    }
    return found;
}

Status lazy_unmount(const std::string &path) {
    if (::geteuid() == 0) {
        if (::umount2(path.c_str(), MNT_DETACH) == 0)
            return Status::ok();
        return Status::error(errno, std::string("umount2: ") + std::strerror(errno));
    }
    pid_t pid = ::fork();
    if (pid == 0) {
        ::execlp("fusermount3", "fusermount3", "-u", "-z", "-q", path.c_str(),
                 static_cast<char *>(nullptr));
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return Status::error(EBUSY, "fusermount3 -u -z " + path + " failed");
    return Status::ok();
}

} // namespace

Status prepare_mountpoint(const std::string &path, std::string *canonical) {
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::absolute(path, ec).lexically_normal();
    std::string where = abs.string();
    if (where.size() > 1 && where.back() == '/')
        where.pop_back();

    struct stat st {};
    if (::stat(where.c_str(), &st) != 0) {
        if (errno != ENOTCONN)
            return Status::error(errno, "mountpoint " + path + ": " + std::strerror(errno));
        // A FUSE mount whose daemon died: take it down and carry on.
        if (Status s = lazy_unmount(where); !s)
            return Status::error(s.err, "mountpoint " + path +
                                            " is a stale FUSE mount and could not be "
                                            "unmounted: " +
                                            s.message);
        std::fprintf(stderr, "lkmfsd: recovered stale mount at %s\n", where.c_str());
        if (::stat(where.c_str(), &st) != 0)
            return Status::error(errno, "mountpoint " + path + ": " + std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return Status::error(ENOTDIR, "mountpoint " + path + " is not a directory");
    where = std::filesystem::canonical(where, ec).string();
    std::string fstype = mounted_fstype(where);
    if (!fstype.empty())
        return Status::error(EBUSY, "mountpoint " + where + " is busy: a " + fstype +
                                        " filesystem is already mounted there (unmount it, "
                                        "or choose another directory)");
    *canonical = where;
    return Status::ok();
}

} // namespace lkmfs::daemon
