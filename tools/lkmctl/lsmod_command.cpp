// lkmctl lsmod: kmod's lsmod over the daemon's module list.
#include "command_support.h"
#include "commands.h"
#include "kmod_wording.h"
#include "lsmod_format.h"

#include "control/wire_format.h"

#include <cstdio>

namespace lkmfs::lkmctl {

int run_lsmod(const GlobalOptions &global) {
    DaemonConnection daemon;
    if (!connect_to_daemon(global, &daemon))
        return 1;
    nlohmann::json reply;
    if (control::Error e = daemon.request({{"op", "lsmod"}}, &reply)) {
        print_lkmctl_error(e.message);
        return 1;
    }
    if (control::Error e = control::reply_error(reply)) {
        std::fprintf(stderr, "Error: could not get list of modules: %s\n",
                     errno_text(e.err).c_str());
        return 1;
    }
    write_stdout(format_lsmod(reply.at("modules").get<std::vector<control::ModuleRow>>()));
    return finish_stdout("lsmod", 0);
}

} // namespace lkmfs::lkmctl
