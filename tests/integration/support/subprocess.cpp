#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char **environ;

namespace lkmfs::testing {

namespace {

std::vector<std::string> merged_environment(const std::map<std::string, std::string> &extra) {
    std::map<std::string, std::string> env;
    for (char **e = environ; *e != nullptr; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos)
            env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto &[k, v] : extra)
        env[k] = v;
    std::vector<std::string> out;
    for (const auto &[k, v] : env)
        out.push_back(k + "=" + v);
    return out;
}

} // namespace

RunResult run(const std::vector<std::string> &argv, const RunOptions &options) {
    RunResult result;
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
        return result;
    std::map<std::string, std::string> extra_env = options.env;
    if (!options.cwd.empty())
        extra_env.emplace("PWD", options.cwd); // a seed Makefile's M=$(PWD) must see it
    std::vector<std::string> env_strings = merged_environment(extra_env);
    std::vector<char *> envp;
    for (auto &s : env_strings)
        envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char *> cargv;
    for (auto &a : args)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);

    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        setpgid(0, 0);
        if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0)
            _exit(126);
        execvpe(cargv[0], cargv.data(), envp.data());
        dprintf(2, "cannot run %s: %s\n", cargv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        close(err[0]);
        return result;
    }
    // Feed stdin (small inputs only: tests write a few lines), then read both outputs.
    if (!options.input.empty())
        (void)!write(in[1], options.input.data(), options.input.size());
    close(in[1]);

    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            result.timed_out = true;
            break;
        }
        int n = poll(fds, 2, static_cast<int>(left));
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[4096];
            ssize_t got = read(fds[i].fd, buf, sizeof buf);
            if (got <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(got));
            }
        }
    }
    for (auto &fd : fds)
        if (fd.fd >= 0)
            close(fd.fd);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status))
        result.status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.status = 128 + WTERMSIG(status);
    return result;
}

RunResult sh(const std::string &script, const RunOptions &options) {
    return run({"/bin/sh", "-c", script}, options);
}

RunResult python(const std::string &script, const std::vector<std::string> &args,
                 const RunOptions &options) {
    std::vector<std::string> argv = {"python3", "-c", script};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, options);
}

} // namespace lkmfs::testing
