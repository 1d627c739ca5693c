#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace seekmark::test {

namespace {

std::string temp_root() {
    const char *dir = std::getenv("TMPDIR");
    return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

int wait_for(pid_t pid, std::chrono::milliseconds timeout, bool &timed_out) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            break;
        }
        if (done < 0 && errno != EINTR) {
            return -1;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            timed_out = true;
            kill(-pid, SIGKILL); // the whole group: runners fork
            waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

Outcome run(const Launch &launch) {
    TempDir io;
    const std::string out_path = io.file("stdout");
    const std::string err_path = io.file("stderr");
    std::vector<char *> argv;
    for (const std::string &arg : launch.argv) {
        argv.push_back(const_cast<char *>(arg.c_str()));
    }
    argv.push_back(nullptr);
    // The environment is built before the fork: between fork and exec only async-signal-safe
    // calls are allowed.
    std::vector<std::string> env_strings = launch.env;
    for (char **e = environ; *e != nullptr; ++e) {
        const std::string entry = *e;
        const std::string name = entry.substr(0, entry.find('='));
        bool replaced = false;
        for (const std::string &mine : launch.env) {
            replaced = replaced || mine.compare(0, name.size() + 1, name + "=") == 0;
        }
        if (!replaced) {
            env_strings.push_back(entry);
        }
    }
    std::vector<char *> envp;
    for (std::string &entry : env_strings) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);
    const int in = open(launch.stdin_path.empty() ? "/dev/null" : launch.stdin_path.c_str(),
                        O_RDONLY | O_CLOEXEC);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    Outcome outcome;
    const pid_t pid = fork();
    if (pid < 0) {
        close(in);
        close(out);
        close(err);
        return outcome;
    }
    if (pid == 0) {
        setpgid(0, 0);
        if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
            dup2(err, 2) < 0) {
            _exit(126);
        }
        // Only 0, 1 and 2 go to the program.
        close_range(3, ~0U, 0);
        execvpe(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    setpgid(pid, pid);
    close(in);
    close(out);
    close(err);
    outcome.status = wait_for(pid, launch.timeout, outcome.timed_out);
    outcome.out = read_file(out_path);
    outcome.err = read_file(err_path);
    return outcome;
}

std::string preload() {
    return std::string("LD_PRELOAD=") + SEEKMARK_LIBRARY;
}

TempDir::TempDir() {
    std::string pattern = temp_root() + "/seekmark-test.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string &name, const std::string &content) const {
    std::ofstream(file(name), std::ios::binary) << content;
}

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
}

} // namespace seekmark::test
