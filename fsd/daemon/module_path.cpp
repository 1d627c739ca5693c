#include "module_path.h"

#include <cerrno>
#include <filesystem>

namespace lkmfs::daemon {

namespace fs = std::filesystem;

std::string builtin_module_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return (exe.parent_path().parent_path() / "lib" / "lkmfs" / "modules").string();
}

Status find_module_file(const std::string &spec, const std::vector<std::string> &dirs,
                        std::string *path) {
    std::error_code ec;
    if (spec.find('/') != std::string::npos || spec.ends_with(".ko")) {
        if (!fs::is_regular_file(spec, ec))
            return Status::error(ENOENT, "module file " + spec + " not found");
        *path = fs::absolute(spec, ec).string();
        return Status::ok();
    }
    std::string searched;
    for (const std::string &dir : dirs) {
        fs::path candidate = fs::path(dir) / (spec + ".ko");
        if (fs::is_regular_file(candidate, ec)) {
            *path = fs::absolute(candidate, ec).string();
            return Status::ok();
        }
        searched += (searched.empty() ? "" : ":") + dir;
    }
    return Status::error(ENOENT, "module " + spec + " not found in " + searched);
}

} // namespace lkmfs::daemon
