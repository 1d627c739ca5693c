// lkmfsd: mounts the lkmfs procfs imitation and serves kernel-style modules.
#include "config/config.h"
#include "daemon/daemon.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <sstream>

int main(int argc, char **argv) {
    lkmfs::daemon::DaemonOptions options;
    std::vector<std::string> o_args;
    bool print_default_config = false;

    CLI::App app{"lkmfsd - a userspace sandbox for Linux kernel modules: mounts a procfs\n"
                 "imitation at MOUNTPOINT and serves the /proc entries of modules loaded\n"
                 "with `lkmctl insmod`.",
                 "lkmfsd"};
    app.set_version_flag("--version", std::string("lkmfsd ") + LKMFS_VERSION + " (kernel " +
                                          LKMFS_UTS_RELEASE + ")");
    app.add_option("MOUNTPOINT", options.mountpoint, "Directory to mount on");
    app.add_option("--config,-c", options.config_path,
                   "YAML configuration (default: the built-in one; see --print-default-config)")
        ->check(CLI::ExistingFile);
    app.add_flag("-f,--foreground", options.foreground, "Stay in the foreground");
    app.add_flag("-d,--debug", options.debug, "Trace FUSE requests on stderr (implies -f)");
    app.add_option("-o", o_args, "Mount options, comma-separated (e.g. -o allow_other)")
        ->allow_extra_args(false);
    app.add_flag("--print-default-config", print_default_config,
                 "Print the built-in configuration and exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        // --help/--version exit 0; a usage error exits 2, like other daemons' usage errors.
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }

    if (print_default_config) {
        std::fputs(std::string(lkmfs::config::default_config_text()).c_str(), stdout);
        return 0;
    }
    if (options.mountpoint.empty()) {
        std::fprintf(stderr, "lkmfsd: MOUNTPOINT is required\n%s", app.help().c_str());
        return 2;
    }
    for (const auto &arg : o_args) {
        std::stringstream list(arg);
        std::string opt;
        while (std::getline(list, opt, ','))
            if (!opt.empty())
                options.mount_options.push_back(opt);
    }
    return lkmfs::daemon::run_daemon(options);
}
