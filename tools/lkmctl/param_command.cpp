// lkmctl param [-l] MODULE [NAME [VALUE]]: the run-time parameters of a loaded module, as
// /sys/module/MODULE/parameters/ offers them in Linux. Without NAME, one "name=value" line
// per readable parameter (-l adds the mode and type); with NAME, its value; with VALUE,
// sets it (root and the daemon's owner only; the parameter's mode must allow writing).
#include "command_support.h"
#include "commands.h"
#include "kmod_wording.h"

#include "control/wire_format.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace lkmfs::lkmctl {

namespace {

constexpr std::string_view kTool = "param";

// The daemon's message when it says what was wrong; `fallback` (with the errno's words)
// when it only gives the errno's words.
void print_failure(const control::Error &e, const std::string &fallback) {
    if (e.message.empty() || e.message == errno_text(e.err))
        print_kmod_error(kTool, fallback + ": " + errno_text(e.err));
    else
        print_kmod_error(kTool, e.message);
}

std::string mode_text(unsigned int perm) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", perm & 07777u);
    return mode;
}

bool same_param_name(std::string a, std::string b) {
    std::replace(a.begin(), a.end(), '-', '_');
    std::replace(b.begin(), b.end(), '-', '_');
    return a == b;
}

int set_param(DaemonConnection &daemon, const std::string &module, const std::string &name,
              const std::string &value) {
    nlohmann::json reply;
    if (control::Error e = daemon.request(
            {{"op", "set_param"}, {"name", module}, {"param", name}, {"value", value}}, &reply)) {
        print_lkmctl_error(e.message);
        return 1;
    }
    if (control::Error e = control::reply_error(reply)) {
        std::string what = "could not set parameter '" + name + "' of module " + module;
        if (e.err == EPERM) // refused by the server's access policy, before any module
            print_kmod_error(kTool, what + ": " + errno_text(e.err) +
                                        " (only root and the daemon's owner may)");
        else
            print_failure(e, what);
        return 1;
    }
    return 0;
}

} // namespace

int run_param(const GlobalOptions &global, const ParamOptions &options) {
    if (options.args.empty()) {
        print_kmod_error(kTool, "missing module name.");
        return 1;
    }
    if (options.args.size() > 3) {
        print_kmod_error(kTool, "too many arguments (MODULE [NAME [VALUE]]).");
        return 1;
    }
    std::string module = modname_normalize(options.args[0]);
    DaemonConnection daemon;
    if (!connect_to_daemon(global, &daemon))
        return 1;
    if (options.args.size() == 3)
        return set_param(daemon, module, options.args[1], options.args[2]);

    nlohmann::json reply;
    if (control::Error e = daemon.request({{"op", "params"}, {"name", module}}, &reply)) {
        print_lkmctl_error(e.message);
        return 1;
    }
    if (control::Error e = control::reply_error(reply)) {
        print_failure(e, "could not get the parameters of module " + module);
        return 1;
    }
    auto params = reply.at("params").get<std::vector<control::ParamRow>>();
    auto line = [&](const control::ParamRow &p) {
        std::string text;
        if (options.long_format)
            text = mode_text(p.perm) + " " + (p.type.empty() ? "-" : p.type) + " ";
        return text + p.name + "=" + p.value + "\n";
    };

    if (options.args.size() == 1) {
        for (const control::ParamRow &p : params)
            if (p.readable) // the others (not world-readable) are for root and the owner
                write_stdout(line(p));
        return finish_stdout(kTool, 0);
    }

    const std::string &name = options.args[1];
    auto it = std::find_if(params.begin(), params.end(), [&](const control::ParamRow &p) {
        return same_param_name(p.name, name);
    });
    if (it == params.end()) {
        print_kmod_error(kTool, "Module " + module + " has no parameter '" + name + "'");
        return 1;
    }
    if (!it->readable) {
        print_kmod_error(kTool, "could not read parameter '" + name + "' of module " + module +
                                    ": " + errno_text(EACCES));
        return 1;
    }
    write_stdout(options.long_format ? line(*it) : it->value + "\n");
    return finish_stdout(kTool, 0);
}

} // namespace lkmfs::lkmctl
