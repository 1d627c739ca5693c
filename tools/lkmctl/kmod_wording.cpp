#include "kmod_wording.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <memory>

namespace lkmfs::lkmctl {

std::string errno_text(int err) {
    std::array<char, 128> buffer{};
    // GNU strerror_r returns the message, which may or may not live in `buffer`.
    return ::strerror_r(err, buffer.data(), buffer.size());
}

std::string insmod_strerror(int err) {
    switch (err) {
    case ENOEXEC:
        return "Invalid module format";
    case ENOENT:
        return "Unknown symbol in module";
    case ESRCH:
        return "Module has wrong symbol version";
    case EINVAL:
        return "Invalid parameters";
    default:
        return errno_text(err);
    }
}

std::string modname_normalize(std::string_view name) {
    std::string out;
    for (char c : name) {
        if (c == '.')
            break;
        out += c == '-' ? '_' : c;
    }
    return out;
}

std::string path_to_modname(std::string_view path) {
    auto slash = path.rfind('/');
    return modname_normalize(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string make_absolute(const std::string &path) {
    if (!path.empty() && path.front() == '/')
        return path;
    // get_current_dir_name() keeps $PWD's spelling (symlinks and all), as kmod shows it.
    std::unique_ptr<char, decltype(&std::free)> cwd(::get_current_dir_name(), &std::free);
    if (!cwd)
        return path;
    return std::string(cwd.get()) + "/" + path;
}

bool is_module_filename(const std::string &arg) {
    static constexpr std::array<std::string_view, 4> kExtensions{".ko", ".ko.gz", ".ko.xz",
                                                                 ".ko.zst"};
    struct stat st {};
    if (::stat(arg.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    for (std::string_view ext : kExtensions)
        if (arg.size() > ext.size() && arg.ends_with(ext))
            return true;
    return false;
}

} // namespace lkmfs::lkmctl
