// lkmctl fault MODULE [KIND [off | ATTR=VALUE...]]: fault injection for a module, as Linux's
// /sys/kernel/debug/failslab/ and fail_usercopy/ offer it for the whole kernel. Without
// KIND, what is set for MODULE; with KIND and attributes (probability, interval, times,
// space, verbose; the others keep their defaults), sets it; with "off", clears it. The
// module need not be loaded yet: what is set applies whenever it runs, its init included.
#include "command_support.h"
#include "commands.h"
#include "kmod_wording.h"

#include "control/wire_format.h"

#include <cerrno>
#include <charconv>
#include <string>
#include <string_view>

namespace lkmfs::lkmctl {

namespace {

constexpr std::string_view kTool = "fault";

// "interval=3" into attr; false (with a message) for an unknown name or a bad number.
bool apply_attr(const std::string &arg, nlohmann::json *attr) {
    std::size_t eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    if (eq == std::string::npos || (name != "probability" && name != "interval" &&
                                    name != "times" && name != "space" && name != "verbose")) {
        print_kmod_error(kTool, "unknown attribute '" + arg +
                                    "' (probability=, interval=, times=, space=, verbose=)");
        return false;
    }
    std::string_view text(arg.c_str() + eq + 1);
    long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        print_kmod_error(kTool, "invalid value for " + name + ": '" + std::string(text) + "'");
        return false;
    }
    (*attr)[name] = value;
    return true;
}

} // namespace

int run_fault(const GlobalOptions &global, const std::vector<std::string> &args) {
    if (args.empty()) {
        print_kmod_error(kTool, "missing module name.");
        return 1;
    }
    nlohmann::json request{{"op", "fault"}, {"name", modname_normalize(args[0])}};
    if (args.size() > 1) {
        if (args[1] != "failslab" && args[1] != "fail_usercopy") {
            print_kmod_error(kTool, "unknown fault injection '" + args[1] +
                                        "' (failslab or fail_usercopy)");
            return 1;
        }
        request["kind"] = args[1];
        if (args.size() == 3 && args[2] == "off") {
            request["off"] = true;
        } else {
            nlohmann::json attr = nlohmann::json::object();
            for (std::size_t i = 2; i < args.size(); ++i)
                if (!apply_attr(args[i], &attr))
                    return 1;
            request["attr"] = attr;
        }
    }
    DaemonConnection daemon;
    if (!connect_to_daemon(global, &daemon))
        return 1;
    nlohmann::json reply;
    if (control::Error e = daemon.request(request, &reply)) {
        print_lkmctl_error(e.message);
        return 1;
    }
    if (control::Error e = control::reply_error(reply)) {
        std::string what = "could not set fault injection for module " + args[0];
        if (e.err == EPERM)
            print_kmod_error(kTool, what + ": " + errno_text(e.err) +
                                        " (only root and the daemon's owner may)");
        else
            print_kmod_error(kTool,
                             e.message.empty() ? what + ": " + errno_text(e.err) : e.message);
        return 1;
    }
    if (args.size() > 1) // set or cleared: silent, as writing the debugfs files is
        return 0;
    for (const auto &row : reply.at("faults").get<std::vector<control::FaultRow>>())
        write_stdout(row.kind + ": probability=" + std::to_string(row.probability) +
                     " interval=" + std::to_string(row.interval) +
                     " times=" + std::to_string(row.times) + " space=" + std::to_string(row.space) +
                     " verbose=" + std::to_string(row.verbose) + "\n");
    return finish_stdout(kTool, 0);
}

} // namespace lkmfs::lkmctl
