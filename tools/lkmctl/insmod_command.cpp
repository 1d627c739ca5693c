// lkmctl insmod FILE [param=value ...]: kmod's insmod, with the daemon in the kernel's
// place. lkmctl reads the file with the user's own rights and sends its bytes, as
// finit_module(2) takes a file the caller could open.
#include "command_support.h"
#include "commands.h"
#include "kmod_wording.h"
#include "module_file.h"

#include "control/wire_format.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstddef>
#include <vector>

namespace lkmfs::lkmctl {

namespace {

constexpr std::string_view kTool = "insmod";

std::string join_params(const std::vector<std::string> &params) {
    std::string joined;
    for (const std::string &param : params) {
        if (!joined.empty())
            joined += ' ';
        joined += param;
    }
    return joined;
}

} // namespace

int run_insmod(const GlobalOptions &global, const std::string &file,
               const std::vector<std::string> &params) {
    if (file.empty()) {
        print_kmod_error(kTool, "missing filename.");
        return 1;
    }
    if (file == "-") {
        print_kmod_error(kTool, "this tool does not support loading from stdin!");
        return 1;
    }
    auto could_not_insert = [&](const std::string &why) {
        print_kmod_error(kTool, "could not insert module " + file + ": " + why);
        return 1;
    };
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        print_kmod_error(kTool, "could not load module " + file + ": " + errno_text(errno));
        return 1;
    }
    std::vector<std::byte> image;
    if (int err = read_module_file(file, &image))
        return could_not_insert(errno_text(err));

    DaemonConnection daemon;
    if (!connect_to_daemon(global, &daemon))
        return 1;
    nlohmann::json request{{"op", "insmod"},
                           {"origin", make_absolute(file)},
                           {"params", join_params(params)},
                           {"size", image.size()}};
    control::Error sent = daemon.send_message(request);
    if (!sent)
        sent = daemon.send_bytes(image);
    // Even if sending failed, the daemon may have said why before it closed.
    nlohmann::json reply;
    if (control::Error e = daemon.read_message(&reply)) {
        print_lkmctl_error(sent ? sent.message : e.message);
        return 1;
    }
    if (control::Error e = control::reply_error(reply))
        return could_not_insert(insmod_strerror(e.err));
    return 0;
}

} // namespace lkmfs::lkmctl
