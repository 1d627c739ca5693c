// lkmctl: load, unload and inspect modules of a running lkmfsd, read and set their
// parameters, and read its kernel log, with the words and formats of kmod's
// insmod/rmmod/lsmod/modinfo and util-linux dmesg.
#include "command_support.h"
#include "commands.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <exception>

using namespace lkmfs::lkmctl;

int main(int argc, char **argv) {
    // Writes to a closed pipe (lkmctl dmesg -w | head) must fail with EPIPE, to be
    // handled quietly, rather than kill us.
    std::signal(SIGPIPE, SIG_IGN);

    CLI::App app{"Control a running lkmfsd: load and unload modules, read its kernel log.",
                 "lkmctl"};
    app.set_version_flag("-V,--version", "lkmctl version " LKMFS_VERSION);
    app.require_subcommand(1);
    app.fallthrough(); // -m is accepted after the subcommand too

    GlobalOptions global;
    app.add_option("-m,--mountpoint", global.mountpoint,
                   "The daemon serving this mountpoint (needed when several run)");

    std::string insmod_file;
    std::vector<std::string> insmod_params;
    CLI::App *insmod = app.add_subcommand("insmod", "Insert a module into the sandbox");
    insmod->add_option("file", insmod_file, "The module file (NAME.ko)");
    insmod->add_option("params", insmod_params, "Module parameters, param=value");

    bool rmmod_force = false;
    std::vector<std::string> rmmod_modules;
    CLI::App *rmmod = app.add_subcommand("rmmod", "Remove a module from the sandbox");
    rmmod->add_flag("-f,--force", rmmod_force,
                    "Remove even if in use or without exit function, and interrupt the calls "
                    "into the module that the removal waits for (also when another rmmod of "
                    "it already waits)");
    rmmod->add_option("module", rmmod_modules, "Module name (or NAME.ko)");
    rmmod->footer(
        "As in Linux, a removal waits for the calls in flight on the module's /proc entries\n"
        "(a reader asleep in a handler, say); meanwhile rmmod lists them on stderr. Ctrl-C\n"
        "stops the waiting, not the removal. -f interrupts them as a signal would: their\n"
        "interruptible sleeps end with -ERESTARTSYS and the callers get EINTR; a call asleep\n"
        "uninterruptibly (D) returns only when what it waits for happens.");

    CLI::App *lsmod = app.add_subcommand("lsmod", "Show the loaded modules");

    std::vector<std::string> modinfo_modules;
    CLI::App *modinfo = app.add_subcommand("modinfo", "Show information about a module");
    modinfo->add_option("module", modinfo_modules, "A loaded module's name, or a NAME.ko file");

    DmesgOptions dmesg_options;
    CLI::App *dmesg = app.add_subcommand("dmesg", "Print the sandbox's kernel log");
    dmesg->add_flag("-w,--follow", dmesg_options.follow, "Wait for new messages");
    dmesg->add_option("-l,--level", dmesg_options.levels,
                      "Only these levels: emerg,alert,crit,err,warn,notice,info,debug");
    dmesg->add_flag("-r,--raw", dmesg_options.raw, "Print the raw message buffer");

    ParamOptions param_options;
    CLI::App *param = app.add_subcommand(
        "param", "Show a loaded module's parameters, or one of them, or set one");
    param->add_flag("-l,--long", param_options.long_format, "Show each parameter's mode and type");
    param->add_option("module", param_options.args,
                      "MODULE [NAME [VALUE]]: all parameters, one, or set one to VALUE");

    std::vector<std::string> fault_args;
    CLI::App *fault = app.add_subcommand(
        "fault", "Show or set fault injection (failslab, fail_usercopy) for a module");
    fault->add_option("module", fault_args,
                      "MODULE [failslab|fail_usercopy [off | interval=N probability=P "
                      "times=T space=S verbose=V]]");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e) == 0 ? 0 : 1;
    }

    try {
        if (insmod->parsed())
            return run_insmod(global, insmod_file, insmod_params);
        if (rmmod->parsed())
            return run_rmmod(global, rmmod_modules, rmmod_force);
        if (lsmod->parsed())
            return run_lsmod(global);
        if (modinfo->parsed())
            return run_modinfo(global, modinfo_modules);
        if (dmesg->parsed())
            return run_dmesg(global, dmesg_options);
        if (param->parsed())
            return run_param(global, param_options);
        if (fault->parsed())
            return run_fault(global, fault_args);
    } catch (const std::exception &e) {
        // A reply without the fields it must have, or a failing directory scan.
        print_lkmctl_error(e.what());
        return 1;
    }
    return 1;
}
