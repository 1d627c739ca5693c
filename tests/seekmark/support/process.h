// Running a program under test: with extra environment (LD_PRELOAD), stdin from a file,
// stdout and stderr captured, in its own process group, killed with the whole group at a
// deadline, so that a hang fails the test instead of the CI job.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace seekmark::test {

struct Launch {
    std::vector<std::string> argv;
    std::vector<std::string> env; // NAME=value, added to (or replacing in) ours
    std::string stdin_path;       // empty: /dev/null
    std::chrono::milliseconds timeout{60000};
};

struct Outcome {
    int status = -1; // exit status, 128+signal, or -1 if it could not start
    bool timed_out = false;
    std::string out;
    std::string err;
};

Outcome run(const Launch &launch);

// "LD_PRELOAD=<the libseekmark.so of this build>"
std::string preload();

// A fresh directory, removed with its contents at destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }
    std::string file(const std::string &name) const { return path_ + "/" + name; }
    void write(const std::string &name, const std::string &content) const;

  private:
    std::string path_;
};

std::string read_file(const std::string &path);

} // namespace seekmark::test
