// lkmctl modinfo MODULE|FILE...: kmod's modinfo. A FILE (an existing *.ko) is read here,
// with the same parser the daemon's loader uses; a MODULE name is asked of the daemon,
// which knows the file each loaded module came from.
#include "command_support.h"
#include "commands.h"
#include "kmod_wording.h"
#include "modinfo_format.h"
#include "module_file.h"

#include "control/wire_format.h"
#include "kernel/module_image.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lkmfs::lkmctl {

namespace {

constexpr std::string_view kTool = "modinfo";

bool starts_like_elf(const std::vector<std::byte> &image) {
    return image.size() >= 4 && std::memcmp(image.data(),
                                            "\x7f"
                                            "ELF",
                                            4) == 0;
}

void could_not_get_modinfo(const std::string &name, int err) {
    print_kmod_error(kTool, "could not get modinfo from '" + name + "': " + errno_text(err));
}

int modinfo_of_file(const std::string &path) {
    // kmod prints the file name before it looks inside.
    write_stdout(format_modinfo_filename(make_absolute(path)));
    std::vector<std::byte> image;
    if (int err = read_module_file(path, &image)) {
        could_not_get_modinfo(path_to_modname(path), err);
        return 1;
    }
    kernel::ModuleImage parsed;
    if (!kernel::parse_module_image(image, &parsed)) {
        // kmod's words: an ELF file without .modinfo has "no such" entry; anything else
        // is not an ELF file it could read at all.
        could_not_get_modinfo(path_to_modname(path), starts_like_elf(image) ? ENOENT : EINVAL);
        return 1;
    }
    write_stdout(format_modinfo_fields(parsed.modinfo));
    return 0;
}

// kmod looks a name up as an alias, where '-' and '_' are the same.
std::string alias_normalize(std::string name) {
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

int modinfo_of_loaded(DaemonConnection &daemon, const std::string &arg) {
    nlohmann::json reply;
    if (control::Error e =
            daemon.request({{"op", "modinfo"}, {"name", alias_normalize(arg)}}, &reply)) {
        print_lkmctl_error(e.message);
        return 1;
    }
    if (control::Error e = control::reply_error(reply)) {
        if (e.err == ENOENT)
            print_kmod_error(kTool, "Module " + arg + " not found.");
        else
            could_not_get_modinfo(arg, e.err);
        return 1;
    }
    std::string filename = reply.value("filename", std::string());
    write_stdout(format_modinfo(filename.empty() ? "(unknown)" : filename,
                                reply.at("info").get<ModinfoFields>()));
    return 0;
}

} // namespace

int run_modinfo(const GlobalOptions &global, const std::vector<std::string> &modules) {
    if (modules.empty()) {
        print_kmod_error(kTool, "missing module or filename.");
        return 1;
    }
    DaemonConnection daemon; // connected on the first module name
    bool connected = false;
    int status = 0;
    for (const std::string &arg : modules) {
        if (is_module_filename(arg)) {
            status |= modinfo_of_file(arg);
            continue;
        }
        if (!connected && !connect_to_daemon(global, &daemon))
            return finish_stdout(kTool, 1);
        connected = true;
        status |= modinfo_of_loaded(daemon, arg);
    }
    return finish_stdout(kTool, status);
}

} // namespace lkmfs::lkmctl
