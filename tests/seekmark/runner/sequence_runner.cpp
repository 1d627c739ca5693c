// Executes operation sequences (model/ops.h) with the real calls and prints one result line
// per operation; run with and without LD_PRELOAD=libseekmark.so by the differential test.
//
//   seekmark_sequence_runner DIR SIZE0 SIZE1 SIZE2 < sequences > results
//
// Creates DIR/f0..f2 with the given sizes, then runs each sequence in a child of its own
// (fresh descriptor table: 0, 1, 2 only), so that sequences cannot disturb one another but
// all share the runner's bookmark region (which exercises its garbage collection). Output
// goes straight to write(2): lines from children and parents then come out in the order
// they happen, and nothing is buffered twice by a fork.
#include "ops.h"

#include <seekmark.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

using seekmark::test::Op;
using seekmark::test::Sequence;

namespace {

std::string g_dir;
std::map<long, FILE *> g_streams;
std::map<long, DIR *> g_dirs;
char g_buffer[16384];

void emit(const std::string &line) {
    const std::string out = line + "\n";
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = write(1, out.data() + done, out.size() - done);
        if (n <= 0) {
            _exit(4);
        }
        done += static_cast<std::size_t>(n);
    }
}

std::string file_path(long index) {
    return g_dir + "/f" + std::to_string(index);
}

// "= value" when ret >= 0, "! ERRNO" otherwise (errno read right after the call).
std::string report(const Op &op, long ret, int err) {
    return ret < 0 ? seekmark::test::result_err(op, err)
                   : seekmark::test::result_ok(op, std::to_string(ret));
}

int as_int(long v) {
    return static_cast<int>(v);
}

std::string execute(const Op &op) {
    const auto &a = op.args;
    const std::string &n = op.name;
    errno = 0;
    if (n == "open") {
        const int fd = open(file_path(a[0]).c_str(), O_RDONLY);
        return report(op, fd, errno);
    }
    if (n == "fopen") {
        FILE *f = fopen(file_path(a[0]).c_str(), "r");
        if (f == nullptr) {
            return report(op, -1, errno);
        }
        setvbuf(f, nullptr, _IONBF, 0);
        g_streams[a[1]] = f;
        return report(op, fileno(f), 0);
    }
    if (n == "fclose") {
        const int ret = fclose(g_streams.at(a[0]));
        g_streams.erase(a[0]);
        return report(op, ret, errno);
    }
    if (n == "opendir") {
        DIR *d = opendir(g_dir.c_str());
        if (d == nullptr) {
            return report(op, -1, errno);
        }
        g_dirs[a[0]] = d;
        return report(op, dirfd(d), 0);
    }
    if (n == "closedir") {
        const int ret = closedir(g_dirs.at(a[0]));
        g_dirs.erase(a[0]);
        return report(op, ret, errno);
    }
    if (n == "pipe") {
        int fds[2];
        if (pipe(fds) != 0) {
            return report(op, -1, errno);
        }
        return seekmark::test::result_ok(op, std::to_string(fds[0]) + " " + std::to_string(fds[1]));
    }
    if (n == "close") {
        const int ret = close(as_int(a[0]));
        return report(op, ret, errno);
    }
    if (n == "dup") {
        const int ret = dup(as_int(a[0]));
        return report(op, ret, errno);
    }
    if (n == "dup2") {
        const int ret = dup2(as_int(a[0]), as_int(a[1]));
        return report(op, ret, errno);
    }
    if (n == "dup3") {
        const int ret = dup3(as_int(a[0]), as_int(a[1]), a[2] != 0 ? O_CLOEXEC : 0);
        return report(op, ret, errno);
    }
    if (n == "dupfd") {
        const int ret = fcntl(as_int(a[0]), a[2] != 0 ? F_DUPFD_CLOEXEC : F_DUPFD, as_int(a[1]));
        return report(op, ret, errno);
    }
    if (n == "read") {
        const ssize_t ret = read(as_int(a[0]), g_buffer, static_cast<std::size_t>(a[1]));
        return report(op, ret, errno);
    }
    if (n == "lseek") {
        const off_t ret = lseek(as_int(a[0]), a[1], as_int(a[2]));
        return report(op, ret, errno);
    }
    if (n == "pushn") {
        long pushed = 0;
        int err = 0;
        for (long i = 0; i < a[1] && err == 0; ++i) {
            if (lseek(as_int(a[0]), 0, SEEK_CUR | SEEK_PUSH) < 0) {
                err = errno;
            } else {
                ++pushed;
            }
        }
        return seekmark::test::result_ok(
            op, std::to_string(pushed) + (err != 0 ? " " + seekmark::test::errno_name(err) : ""));
    }
    if (n == "fseek") {
        const int ret = fseeko(g_streams.at(a[0]), a[1], as_int(a[2]));
        return report(op, ret, errno);
    }
    if (n == "ftell") {
        const off_t ret = ftello(g_streams.at(a[0]));
        return report(op, ret, errno);
    }
    if (n == "fread") {
        const std::size_t got =
            fread(g_buffer, 1, static_cast<std::size_t>(a[1]), g_streams.at(a[0]));
        return report(op, static_cast<long>(got), 0);
    }
    return seekmark::test::op_text(op) + " ? unknown operation";
}

int wait_status(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void run(const Sequence &ops) {
    for (const Op &op : ops) {
        if (op.name != "fork") {
            emit(execute(op));
            continue;
        }
        const pid_t pid = fork();
        if (pid == 0) {
            run(op.block);
            _exit(0);
        }
        emit(pid < 0 ? seekmark::test::result_err(op, errno)
                     : seekmark::test::result_ok(op, std::to_string(wait_status(pid))));
    }
}

bool make_file(const std::string &path, long size) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        return false;
    }
    std::memset(g_buffer, 'x', sizeof g_buffer);
    long left = size;
    while (left > 0) {
        const auto chunk = static_cast<std::size_t>(std::min<long>(left, sizeof g_buffer));
        if (write(fd, g_buffer, chunk) != static_cast<ssize_t>(chunk)) {
            return false;
        }
        left -= static_cast<long>(chunk);
    }
    return fsync(fd) == 0 && close(fd) == 0;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s DIR SIZE0 SIZE1 SIZE2 < sequences\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];
    for (int i = 0; i < 3; ++i) {
        if (!make_file(file_path(i), std::strtol(argv[2 + i], nullptr, 10))) {
            std::perror("creating the test files");
            return 2;
        }
    }
    std::string input;
    for (ssize_t n; (n = read(0, g_buffer, sizeof g_buffer)) > 0;) {
        input.append(g_buffer, static_cast<std::size_t>(n));
    }
    std::vector<std::pair<long, Sequence>> sequences;
    std::string error;
    if (!seekmark::test::parse_sequences(input, sequences, &error)) {
        std::fprintf(stderr, "bad input: %s\n", error.c_str());
        return 2;
    }
    // The model assumes a table of exactly 0, 1 and 2.
    for (int fd = 3; fd < 1024; ++fd) {
        if (fcntl(fd, F_GETFD) >= 0) {
            std::fprintf(stderr, "descriptor %d is open; the model expects only 0-2\n", fd);
            return 2;
        }
    }
    for (const auto &[number, ops] : sequences) {
        emit("seq " + std::to_string(number));
        const pid_t pid = fork();
        if (pid == 0) {
            run(ops);
            _exit(0);
        }
        if (pid < 0) {
            std::perror("fork");
            return 3;
        }
        const int status = wait_status(pid);
        if (status != 0) {
            emit("sequence exit " + std::to_string(status));
        }
    }
    return 0;
}
