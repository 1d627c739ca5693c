// A command left running in the background while a test does something else (a cat asleep
// in a handler, an rmmod waiting for it): its stdout and stderr go to pipes the test reads
// as it likes. Killed (SIGKILL) and reaped by the destructor if it is still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace lkmfs::testing {

class Background {
  public:
    // `env`: NAME=value entries added to the environment.
    explicit Background(const std::vector<std::string> &argv,
                        const std::vector<std::string> &env = {});
    ~Background();
    Background(const Background &) = delete;
    Background &operator=(const Background &) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // The wait status once it exited within `limit`.
    std::optional<int> wait_exit(std::chrono::milliseconds limit);
    void signal(int sig);
    // Its stdout / stderr so far (after it exited: all of it), accumulated across calls.
    std::string output();
    std::string errors();

  private:
    void poll_exit();
    pid_t pid_ = -1;
    int out_ = -1;
    int err_ = -1;
    std::string out_text_;
    std::string err_text_;
    std::optional<int> status_;
};

} // namespace lkmfs::testing
