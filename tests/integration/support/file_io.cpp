#include "file_io.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <vector>

namespace lkmfs::testing {

namespace {

// What the child sends back, followed by the bytes it read.
struct Header {
    int opened;
    int err;
    ssize_t ret;
};

bool write_all(int fd, const void *data, std::size_t size) {
    const char *p = static_cast<const char *>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Runs `call` in a child; `call` fills the header and the data the child reports.
IoResult in_child(const std::function<void(Header *, std::vector<char> *)> &call,
                  std::chrono::milliseconds timeout) {
    IoResult result;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        result.err = errno;
        return result;
    }
    pid_t pid = fork();
    if (pid < 0) {
        result.err = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return result;
    }
    if (pid == 0) {
        close(pipefd[0]);
        Header header{0, 0, -1};
        std::vector<char> data;
        call(&header, &data);
        bool sent = write_all(pipefd[1], &header, sizeof header) &&
                    write_all(pipefd[1], data.data(), data.size());
        _exit(sent ? 0 : 1);
    }
    close(pipefd[1]);

    std::string reply;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) {
            kill(pid, SIGKILL);
            result.timed_out = true;
            break;
        }
        pollfd pfd{pipefd[0], POLLIN, 0};
        int n = poll(&pfd, 1, static_cast<int>(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            continue; // timeout: checked at the top
        char buf[4096];
        ssize_t got = ::read(pipefd[0], buf, sizeof buf);
        if (got <= 0)
            break;
        reply.append(buf, static_cast<std::size_t>(got));
    }
    close(pipefd[0]);
    waitpid(pid, nullptr, 0);
    if (result.timed_out || reply.size() < sizeof(Header))
        return result;
    Header header;
    std::memcpy(&header, reply.data(), sizeof header);
    result.opened = header.opened != 0;
    result.err = header.err;
    result.ret = header.ret;
    result.data = reply.substr(sizeof header);
    return result;
}

} // namespace

IoResult read_at(const std::string &path, std::size_t count, off_t offset,
                 std::chrono::milliseconds timeout) {
    return in_child(
        [&](Header *h, std::vector<char> *data) {
            int fd = ::open(path.c_str(), O_RDONLY);
            if (fd < 0) {
                h->err = errno;
                return;
            }
            h->opened = 1;
            data->resize(count);
            h->ret = ::pread(fd, data->data(), count, offset);
            h->err = h->ret < 0 ? errno : 0;
            data->resize(h->ret > 0 ? static_cast<std::size_t>(h->ret) : 0);
            ::close(fd);
        },
        timeout);
}

IoResult write_at(const std::string &path, std::string_view bytes, off_t offset,
                  std::chrono::milliseconds timeout) {
    return in_child(
        [&](Header *h, std::vector<char> *) {
            int fd = ::open(path.c_str(), O_WRONLY);
            if (fd < 0) {
                h->err = errno;
                return;
            }
            h->opened = 1;
            h->ret = ::pwrite(fd, bytes.data(), bytes.size(), offset);
            h->err = h->ret < 0 ? errno : 0;
            ::close(fd);
        },
        timeout);
}

IoResult read_fd(int fd, std::size_t count, std::chrono::milliseconds timeout) {
    return in_child(
        [&](Header *h, std::vector<char> *data) {
            h->opened = 1;
            data->resize(count);
            h->ret = ::read(fd, data->data(), count);
            h->err = h->ret < 0 ? errno : 0;
            data->resize(h->ret > 0 ? static_cast<std::size_t>(h->ret) : 0);
        },
        timeout);
}

} // namespace lkmfs::testing
