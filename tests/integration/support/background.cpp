#include "background.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

namespace lkmfs::testing {

namespace {

using Clock = std::chrono::steady_clock;

// Appends what the non-blocking pipe holds now.
void drain(int fd, std::string *into) {
    if (fd < 0)
        return;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        into->append(buf, static_cast<std::size_t>(n));
}

} // namespace

Background::Background(const std::vector<std::string> &argv, const std::vector<std::string> &env) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return;
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return;
    }
    std::vector<char *> args;
    for (const auto &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    // The environment is made before fork(): the child of a threaded test may only make
    // async-signal-safe calls.
    std::vector<std::string> env_text(env);
    for (char **e = environ; *e != nullptr; ++e)
        env_text.emplace_back(*e); // after the additions: execvpe takes the first match
    std::vector<char *> envp;
    for (auto &e : env_text)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        // Signals as for a foreground command (a test may run under a shell that ignores
        // SIGINT for background jobs).
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execvpe(args[0], args.data(), envp.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
    fcntl(out_, F_SETFL, fcntl(out_, F_GETFL) | O_NONBLOCK);
    fcntl(err_, F_SETFL, fcntl(err_, F_GETFL) | O_NONBLOCK);
}

Background::~Background() {
    if (pid_ > 0 && !status_) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0)
        close(out_);
    if (err_ >= 0)
        close(err_);
}

void Background::poll_exit() {
    int st = 0;
    if (pid_ > 0 && !status_ && waitpid(pid_, &st, WNOHANG) == pid_)
        status_ = st;
}

bool Background::running() {
    poll_exit();
    return pid_ > 0 && !status_;
}

std::optional<int> Background::wait_exit(std::chrono::milliseconds limit) {
    auto until = Clock::now() + limit;
    while (running() && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return status_;
}

void Background::signal(int sig) {
    if (pid_ > 0)
        kill(pid_, sig);
}

std::string Background::output() {
    drain(out_, &out_text_);
    return out_text_;
}

std::string Background::errors() {
    drain(err_, &err_text_);
    return err_text_;
}

} // namespace lkmfs::testing
