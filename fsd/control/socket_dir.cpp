#include "socket_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

namespace lkmfs::control {

namespace {

constexpr std::uint64_t kFnvOffsetBasis = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

std::uint64_t fnv1a64(std::string_view bytes) {
    std::uint64_t hash = kFnvOffsetBasis;
    for (char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= kFnvPrime;
    }
    return hash;
}

std::string hex64(std::uint64_t value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (std::size_t i = 16; i-- > 0; value >>= 4)
        out[i] = kDigits[value & 0xf];
    return out;
}

struct FreeDeleter {
    void operator()(char *p) const { std::free(p); }
};

} // namespace

std::string socket_dir_for(uid_t uid, const char *xdg_runtime_dir) {
    if (uid == 0)
        return "/run/lkmfs";
    if (xdg_runtime_dir != nullptr && xdg_runtime_dir[0] == '/')
        return std::string(xdg_runtime_dir) + "/lkmfs";
    return "/tmp/lkmfs-" + std::to_string(uid);
}

std::string canonical_mountpoint(const std::string &mountpoint) {
    std::unique_ptr<char, FreeDeleter> real(::realpath(mountpoint.c_str(), nullptr));
    if (real)
        return real.get();
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(mountpoint, ec);
    if (ec)
        return mountpoint;
    std::string normal = absolute.lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/')
        normal.pop_back();
    return normal;
}

std::string socket_file_name(std::string_view canonical) {
    return hex64(fnv1a64(canonical)) + ".sock";
}

std::string socket_path_for(const std::string &canonical, uid_t uid, const char *xdg_runtime_dir) {
    return socket_dir_for(uid, xdg_runtime_dir) + "/" + socket_file_name(canonical);
}

std::vector<std::string> client_search_dirs(uid_t uid, const char *xdg_runtime_dir) {
    std::vector<std::string> dirs{socket_dir_for(0, nullptr)};
    if (uid != 0)
        dirs.push_back(socket_dir_for(uid, xdg_runtime_dir));
    return dirs;
}

Error ensure_socket_dir(const std::string &dir, uid_t uid) {
    // 0755: the socket itself is 0666, so that other users may ask read-only questions.
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        return {errno, "cannot create " + dir + ": " + std::strerror(errno)};
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0)
        return {errno, "cannot examine " + dir + ": " + std::strerror(errno)};
    if (!S_ISDIR(st.st_mode))
        return {ENOTDIR, dir + " is not a directory"};
    // A directory someone else owns or may write to could hold a socket of theirs,
    // answering in our name: /tmp/lkmfs-UID is guessable.
    if (st.st_uid != uid)
        return {EPERM, dir + " belongs to uid " + std::to_string(st.st_uid) + ", not to uid " +
                           std::to_string(uid) + "; refusing to use it"};
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return {EPERM, dir + " is writable by group or others; refusing to use it"};
    return {};
}

} // namespace lkmfs::control
