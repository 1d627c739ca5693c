// lkmctl's subcommands. Each returns the process exit status (0 or 1, as kmod's tools
// and dmesg) and prints its own messages.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lkmfs::lkmctl {

struct GlobalOptions {
    std::optional<std::string> mountpoint; // -m
};

struct DmesgOptions {
    bool follow = false;               // -w
    bool raw = false;                  // --raw
    std::optional<std::string> levels; // -l
};

struct ParamOptions {
    bool long_format = false;      // -l: mode and type too
    std::vector<std::string> args; // MODULE [NAME [VALUE]]
};

int run_insmod(const GlobalOptions &global, const std::string &file,
               const std::vector<std::string> &params);
int run_rmmod(const GlobalOptions &global, const std::vector<std::string> &modules, bool force);
int run_lsmod(const GlobalOptions &global);
int run_modinfo(const GlobalOptions &global, const std::vector<std::string> &modules);
int run_dmesg(const GlobalOptions &global, const DmesgOptions &options);
int run_param(const GlobalOptions &global, const ParamOptions &options);
// MODULE [failslab|fail_usercopy [off | probability=P interval=N times=T space=S verbose=V]]
int run_fault(const GlobalOptions &global, const std::vector<std::string> &args);

} // namespace lkmfs::lkmctl
