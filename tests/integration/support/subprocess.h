// Running real commands (cat, echo, dd, stat, lkmctl, ...) as subprocesses, with their
// output captured and a deadline, so that a hung command fails a test instead of CI.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace lkmfs::testing {

struct RunResult {
    int status = -1;        // exit status, or 128+signal, or -1 if it could not start
    std::string out;        // stdout
    std::string err;        // stderr
    bool timed_out = false; // killed (SIGKILL) at the deadline
};

struct RunOptions {
    std::string input;                      // written to stdin, then closed
    std::map<std::string, std::string> env; // added to (or replacing in) the environment
    std::chrono::milliseconds timeout{10000};
    std::string cwd; // empty: the test's working directory
};

RunResult run(const std::vector<std::string> &argv, const RunOptions &options = {});
// /bin/sh -c script
RunResult sh(const std::string &script, const RunOptions &options = {});
// python3 -c script args...: sys.argv[1:] are `args`.
RunResult python(const std::string &script, const std::vector<std::string> &args = {},
                 const RunOptions &options = {});

} // namespace lkmfs::testing
