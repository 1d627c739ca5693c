// lkmctl dmesg [-w] [-l LEVELS] [--raw]: util-linux dmesg over the daemon's kernel log.
#include "command_support.h"
#include "commands.h"
#include "dmesg_format.h"
#include "kmod_wording.h"

#include "control/wire_format.h"

#include <cerrno>
#include <cstdio>

namespace lkmfs::lkmctl {

namespace {

constexpr std::string_view kTool = "dmesg";

bool print_records(const nlohmann::json &records, const LevelFilter &filter, bool raw) {
    for (const auto &item : records) {
        auto record = item.get<control::LogRow>();
        if (filter.accepts(record.level) && !write_stdout(format_dmesg_record(record, raw)))
            return false;
    }
    return true;
}

// Once the reader of our stdout is gone there is nobody to tell: stop quietly (status 0,
// as util-linux does on EPIPE), or report another write error.
int output_failed() {
    return finish_stdout(kTool, 0);
}

} // namespace

int run_dmesg(const GlobalOptions &global, const DmesgOptions &options) {
    LevelFilter filter = LevelFilter::all();
    if (options.levels) {
        std::string bad;
        auto parsed = LevelFilter::parse(*options.levels, &bad);
        if (!parsed) {
            std::fprintf(stderr, "dmesg: unknown level '%s'\n", bad.c_str());
            return 1;
        }
        filter = *parsed;
    }

    DaemonConnection daemon;
    if (!connect_to_daemon(global, &daemon))
        return 1;
    nlohmann::json reply;
    if (control::Error e = daemon.request({{"op", "dmesg"}, {"follow", options.follow}}, &reply)) {
        print_lkmctl_error(e.message);
        return 1;
    }
    if (control::Error e = control::reply_error(reply)) {
        std::fprintf(stderr, "dmesg: read kernel buffer failed: %s\n", errno_text(e.err).c_str());
        return 1;
    }
    if (!print_records(reply.at("records"), filter, options.raw))
        return output_failed();
    if (!options.follow)
        return finish_stdout(kTool, 0);

    // Follow: each record as it comes, flushed at once, until the daemon goes away.
    for (;;) {
        if (std::fflush(stdout) != 0)
            return output_failed();
        if (control::Error e = daemon.read_message(&reply)) {
            if (e.err == ECONNRESET)
                return finish_stdout(kTool, 0); // the daemon stopped: the stream has ended
            print_lkmctl_error(e.message);
            return finish_stdout(kTool, 1);
        }
        if (!reply.contains("record")) {
            control::Error e = control::reply_error(reply);
            std::fprintf(stderr, "dmesg: read kernel buffer failed: %s\n",
                         errno_text(e.err ? e.err : EPROTO).c_str());
            return 1;
        }
        if (!print_records(nlohmann::json::array({reply["record"]}), filter, options.raw))
            return output_failed();
    }
}

} // namespace lkmfs::lkmctl
