// lkmctl rmmod [-f] MODULE...: kmod's rmmod. Like kmod, it first looks at the module list
// to say who holds a module, and only then asks for the removal. Unlike kmod, a removal
// that waits for calls into the module (readers asleep in its entries) says so.
#include "command_support.h"
#include "commands.h"
#include "kmod_wording.h"
#include "rmmod_wait_format.h"

#include "control/wire_format.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

namespace lkmfs::lkmctl {

namespace {

constexpr std::string_view kTool = "rmmod";

// kmod takes an existing file's basename and anything else as a name; both normalised.
std::string module_name_of(const std::string &arg) {
    struct stat st {};
    return ::stat(arg.c_str(), &st) == 0 ? path_to_modname(arg) : modname_normalize(arg);
}

// kmod's check_module_inuse(): false (after saying why) if `name` cannot be removed.
bool check_not_in_use(const std::string &name, const std::vector<control::ModuleRow> &modules) {
    auto row = std::find_if(modules.begin(), modules.end(),
                            [&](const control::ModuleRow &m) { return m.name == name; });
    if (row == modules.end()) {
        print_kmod_error(kTool, "Module " + name + " is not currently loaded");
        return false;
    }
    if (!row->holders.empty()) {
        std::string message = "Module " + name + " is in use by:";
        for (const std::string &holder : row->holders)
            message += " " + holder;
        print_kmod_error(kTool, message);
        return false;
    }
    if (row->refcount > 0) {
        print_kmod_error(kTool, "Module " + name + " is in use");
        return false;
    }
    if (row->state == "Unloading") {
        // Linux refuses a second removal of a going module (EBUSY); say what helps.
        print_kmod_error(kTool, "Module " + name + " is already being removed ('lkmctl rmmod -f " +
                                    name + "' interrupts the calls it waits for)");
        return false;
    }
    return true;
}

// Asks for the removal and waits for the reply. Meanwhile the daemon sends what the removal
// waits for whenever that changes; it goes to stderr, so that a waiting rmmod explains
// itself.
control::Error request_removal(DaemonConnection &daemon, const std::string &name, bool force,
                               nlohmann::json *reply) {
    nlohmann::json request{{"op", "rmmod"}, {"name", name}, {"force", force}, {"progress", true}};
    if (control::Error e = daemon.send_message(request))
        return e;
    for (;;) {
        if (control::Error e = daemon.read_message(reply))
            return e;
        auto waiting = reply->find("waiting");
        if (waiting == reply->end())
            return {};
        std::fputs(format_rmmod_wait(waiting->get<control::RmmodWait>()).c_str(), stderr);
    }
}

} // namespace

int run_rmmod(const GlobalOptions &global, const std::vector<std::string> &modules, bool force) {
    if (modules.empty()) {
        print_kmod_error(kTool, "missing module name.");
        return 1;
    }
    DaemonConnection daemon;
    if (!connect_to_daemon(global, &daemon))
        return 1;
    int failures = 0;
    for (const std::string &arg : modules) {
        std::string name = module_name_of(arg);
        auto could_not_remove = [&](int err) {
            print_kmod_error(kTool, "could not remove module " + arg + ": " + errno_text(err));
            ++failures;
        };
        nlohmann::json reply;
        if (!force) {
            if (control::Error e = daemon.request({{"op", "lsmod"}}, &reply)) {
                print_lkmctl_error(e.message);
                return 1;
            }
            if (control::Error e = control::reply_error(reply)) {
                could_not_remove(e.err);
                continue;
            }
            if (!check_not_in_use(name,
                                  reply.at("modules").get<std::vector<control::ModuleRow>>())) {
                ++failures;
                continue;
            }
        }
        if (control::Error e = request_removal(daemon, name, force, &reply)) {
            print_lkmctl_error(e.message);
            return 1;
        }
        if (control::Error e = control::reply_error(reply))
            could_not_remove(e.err);
    }
    return failures == 0 ? 0 : 1;
}

} // namespace lkmfs::lkmctl
