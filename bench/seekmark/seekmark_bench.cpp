// ns per lseek with and without libseekmark.so, and per bookmark operation.
//
// Phase 1, in one process: libc's lseek and the shim's (dlopen'ed, called through its
// symbol), interleaved round by round so that both see the same machine; then the
// bookmark operations through the shim. Phase 2 runs this program again, alternately
// without and with LD_PRELOAD, calling plain lseek(): the path real programs take (PLT ->
// shim); the rounds of all runs of each kind are pooled. Each figure is the median over
// rounds, with min and max, and the ratio of medians (and of minimums) to plain lseek.
// Targets (issue 5): standard calls within 5% of no shim, a push or pop within 2x of a
// plain lseek. On a shared machine the min ratio is the steadier of the two.
#include <seekmark.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

using Lseek = off_t (*)(int, off_t, int);
using Clock = std::chrono::steady_clock;

struct Stats {
    double median, min, max;
};

Stats stats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v.front(), v.back()};
}

// ns per call of `body`, which makes `calls` calls.
double time_ns(long calls, const std::function<void()> &body) {
    const auto start = Clock::now();
    body();
    const std::chrono::duration<double, std::nano> took = Clock::now() - start;
    return took.count() / static_cast<double>(calls);
}

void print(const char *what, const Stats &s, const Stats *base = nullptr) {
    std::printf("  %-44s %7.1f ns  (min %6.1f, max %6.1f)", what, s.median, s.min, s.max);
    if (base != nullptr) {
        std::printf("  %5.2fx (min %4.2fx)", s.median / base->median, s.min / base->min);
    }
    std::printf("\n");
}

int open_scratch() {
    char path[] = "/tmp/seekmark-bench.XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0 || unlink(path) != 0 || ftruncate(fd, 1 << 20) != 0) {
        std::perror("scratch file");
        std::exit(1);
    }
    return fd;
}

// Phase 2's child: plain lseek(), whatever it is bound to in this process.
int plain_child(long reps, long calls) {
    const int fd = open_scratch();
    std::vector<double> round;
    for (long r = 0; r < reps; ++r) {
        round.push_back(time_ns(calls, [&] {
            for (long i = 0; i < calls; ++i) {
                lseek(fd, 0, SEEK_CUR);
            }
        }));
    }
    for (const double ns : round) {
        std::printf("%f\n", ns);
    }
    return 0;
}

// Appends the child's rounds to `into`.
void run_plain_child(const char *self, long reps, long calls, bool preload,
                     std::vector<double> &into) {
    int out[2];
    if (pipe(out) != 0) {
        std::exit(1);
    }
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        if (preload) {
            setenv("LD_PRELOAD", SEEKMARK_LIBRARY, 1);
        } else {
            unsetenv("LD_PRELOAD");
        }
        const std::string r = std::to_string(reps), c = std::to_string(calls);
        execl(self, self, "--plain-child", r.c_str(), c.c_str(), static_cast<char *>(nullptr));
        _exit(127);
    }
    close(out[1]);
    FILE *in = fdopen(out[0], "r");
    double ns = 0;
    long got = 0;
    while (in != nullptr && std::fscanf(in, "%lf", &ns) == 1) {
        into.push_back(ns);
        ++got;
    }
    if (in != nullptr) {
        std::fclose(in);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != reps || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "child failed\n");
        std::exit(1);
    }
}

} // namespace

int main(int argc, char **argv) {
    if (argc == 4 && std::strcmp(argv[1], "--plain-child") == 0) {
        return plain_child(std::atol(argv[2]), std::atol(argv[3]));
    }
    long reps = 31;
    long calls = 200000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--reps") == 0) {
            reps = std::atol(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--calls") == 0) {
            calls = std::atol(argv[i + 1]);
        }
    }

    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    void *shim = dlopen(SEEKMARK_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (libc == nullptr || shim == nullptr) {
        std::fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    const auto libc_lseek = reinterpret_cast<Lseek>(dlsym(libc, "lseek"));
    const auto shim_lseek = reinterpret_cast<Lseek>(dlsym(shim, "lseek"));
    if (libc_lseek == nullptr || shim_lseek == nullptr || libc_lseek == shim_lseek) {
        std::fprintf(stderr, "could not find both lseeks\n");
        return 1;
    }
    const int fd = open_scratch();

    // Bookmark operations come in batches that fit the stack: 1000 pushes, then 1000 of
    // the operation that takes them off again.
    const long batch = 1000;
    const long batches = std::max(1L, calls / batch);
    auto bookmark_round = [&](int push_whence, long push_off, int pop_whence) {
        double push_ns = 0, pop_ns = 0;
        for (long b = 0; b < batches; ++b) {
            push_ns += time_ns(batch, [&] {
                for (long i = 0; i < batch; ++i) {
                    shim_lseek(fd, push_off, push_whence);
                }
            });
            pop_ns += time_ns(batch, [&] {
                for (long i = 0; i < batch; ++i) {
                    shim_lseek(fd, 0, pop_whence);
                }
            });
        }
        return std::make_pair(push_ns / static_cast<double>(batches),
                              pop_ns / static_cast<double>(batches));
    };
    // Warm-up: the first push creates the description's slot (once per description).
    bookmark_round(SEEK_CUR | SEEK_PUSH, 0, SEEK_CUR | SEEK_POP);

    std::vector<double> plain, through_shim, push_cur, pop_cur, push_set, pop_bookmark, swap;
    for (long r = 0; r < reps; ++r) {
        const bool shim_first = r % 2 == 1;
        for (int k = 0; k < 2; ++k) {
            const Lseek f = (k == 0) == shim_first ? shim_lseek : libc_lseek;
            (f == shim_lseek ? through_shim : plain).push_back(time_ns(calls, [&] {
                for (long i = 0; i < calls; ++i) {
                    f(fd, 0, SEEK_CUR);
                }
            }));
        }
        auto [push1, pop1] = bookmark_round(SEEK_CUR | SEEK_PUSH, 0, SEEK_CUR | SEEK_POP);
        push_cur.push_back(push1);
        pop_cur.push_back(pop1);
        auto [push2, pop2] = bookmark_round(SEEK_SET | SEEK_PUSH, 4096, SEEK_BOOKMARK | SEEK_POP);
        push_set.push_back(push2);
        pop_bookmark.push_back(pop2);
        shim_lseek(fd, 0, SEEK_CUR | SEEK_PUSH);
        swap.push_back(time_ns(calls, [&] {
            for (long i = 0; i < calls; ++i) {
                shim_lseek(fd, 0, SEEK_BOOKMARK | SEEK_PUSH | SEEK_POP);
            }
        }));
        shim_lseek(fd, 0, SEEK_CUR | SEEK_POP);
    }

    // Phase 2: alternate, so that both kinds meet the same moments of a busy machine.
    std::vector<double> without, with;
    const long runs = 6;
    const long per_run = std::max(1L, reps / runs);
    for (long run = 0; run < runs; ++run) {
        run_plain_child(argv[0], per_run, calls, false, without);
        run_plain_child(argv[0], per_run, calls, true, with);
    }

    const Stats base = stats(plain);
    std::printf("seekmark_bench: %ld rounds x %ld calls, one description, regular file\n", reps,
                calls);
    std::printf("phase 1, one process (libc's lseek vs the shim's, dlopen'ed):\n");
    print("lseek(fd, 0, SEEK_CUR)  libc", base);
    print("lseek(fd, 0, SEEK_CUR)  shim", stats(through_shim), &base);
    print("push   SEEK_CUR|SEEK_PUSH (1 syscall)", stats(push_cur), &base);
    print("pop    SEEK_CUR|SEEK_POP (1 syscall)", stats(pop_cur), &base);
    print("push   SEEK_SET|SEEK_PUSH (2 syscalls)", stats(push_set), &base);
    print("pop    SEEK_BOOKMARK|SEEK_POP (1 syscall)", stats(pop_bookmark), &base);
    print("swap   SEEK_BOOKMARK|SEEK_PUSH|SEEK_POP (2)", stats(swap), &base);

    const Stats plain_without = stats(without);
    std::printf("phase 2, plain lseek() in fresh processes (%ld runs of each, alternating):\n",
                runs);
    print("without LD_PRELOAD", plain_without);
    print("with LD_PRELOAD=libseekmark.so", stats(with), &plain_without);
    return 0;
}
