#include "generator.h"

#include <seekmark.h>

#include <algorithm>
#include <climits>
#include <cstdio>

namespace seekmark::test {

namespace {

using Kind = Description::Kind;

class Generator {
  public:
    Generator(const Model &model, std::mt19937_64 &rng, const GeneratorOptions &options)
        : model_(model), rng_(rng), options_(options) {}

    Generated run() {
        Generated g;
        Process p = model_.new_process();
        // Most operations want something open: start with a few files.
        for (int i = uniform(1, 3); i > 0; --i) {
            Op op{"open", {uniform(0, 2)}, {}};
            g.expected.push_back(model_.apply(p, op));
            g.ops.push_back(std::move(op));
        }
        const int count = uniform(options_.min_ops, options_.max_ops);
        block(p, 0, count, g.ops, g.expected);
        return g;
    }

  private:
    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    long uniform_long(long lo, long hi) {
        return std::uniform_int_distribution<long>(lo, hi)(rng_);
    }
    bool chance(int percent) { return uniform(1, 100) <= percent; }
    template <class T>
    T pick(const std::vector<T> &from) {
        return from[static_cast<std::size_t>(uniform(0, static_cast<int>(from.size()) - 1))];
    }

    // Descriptors >= 3 whose description is of one of the kinds; `free_only` leaves out
    // those a stream or directory owns (closing them under stdio would be undefined).
    std::vector<int> fds(const Process &p, bool files, bool pipes, bool free_only) const {
        std::vector<int> out;
        for (const auto &[fd, d] : p.fds) {
            if (fd < 3 || (free_only && owned(p, fd))) {
                continue;
            }
            if ((files && d->kind == Kind::kFile) || (pipes && d->kind == Kind::kPipe)) {
                out.push_back(fd);
            }
        }
        return out;
    }
    static bool owned(const Process &p, int fd) {
        for (const auto &[k, s] : p.streams) {
            if (s.fd == fd) {
                return true;
            }
        }
        for (const auto &[k, dfd] : p.dirs) {
            if (dfd == fd) {
                return true;
            }
        }
        return false;
    }
    int invalid_fd(const Process &p) {
        for (int tries = 0; tries < 20; ++tries) {
            const int fd = chance(20) ? pick(std::vector<int>{-1, 999, 65535}) : uniform(3, 40);
            if (p.fds.count(fd) == 0) {
                return fd;
            }
        }
        return 999;
    }
    // A number to dup onto: 3..40, never one a stream or directory owns.
    int target_fd(const Process &p) {
        for (;;) {
            const int fd = uniform(3, 40);
            if (!owned(p, fd)) {
                return fd;
            }
        }
    }
    int seekable_fd(const Process &p) {
        const auto live = fds(p, true, true, false);
        return live.empty() || chance(8) ? invalid_fd(p) : pick(live);
    }

    long whence() {
        if (!options_.extended) {
            return uniform(0, 4);
        }
        long ref = chance(5) ? pick(std::vector<long>{6, 7, 0x7f, 0xff}) : uniform(0, 5);
        if (chance(30)) {
            ref = SEEK_BOOKMARK;
        }
        long flags = pick(std::vector<long>{0, SEEK_PUSH, SEEK_POP, SEEK_PUSH | SEEK_POP});
        if (chance(5)) {
            flags |= pick(std::vector<long>{0x400, 0x800, 0x10000, 0x40000000, INT_MIN});
        }
        return static_cast<long>(static_cast<int>(static_cast<unsigned>(ref | flags)));
    }

    // Offsets stay below 2^40 (every filesystem accepts those) or are hugely negative.
    // LONG_MAX only where it overflows for sure: added to a positive top bookmark.
    long offset(const Description *d, long w) {
        const int roll = uniform(1, 100);
        if (roll <= 30) {
            return 0;
        }
        if (roll <= 50) {
            return uniform_long(-20, 20);
        }
        if (roll <= 80) {
            return uniform_long(0, 12000);
        }
        if (roll <= 92) {
            return uniform_long(-12000, -1);
        }
        if (roll <= 96 && d != nullptr && (w & 0xff) == SEEK_BOOKMARK && !d->stack.empty() &&
            d->stack.back() > 0) {
            return LONG_MAX;
        }
        return pick(std::vector<long>{LONG_MIN, LONG_MIN + 1, -(1L << 62)});
    }

    Op next(Process &p, int depth) {
        const int open_count = static_cast<int>(p.fds.size());
        const int roll = uniform(1, 100);
        if (open_count > 40) {
            const auto closable = fds(p, true, true, true);
            if (!closable.empty()) {
                return Op{"close", {pick(closable)}, {}};
            }
        }
        if (roll <= 9) {
            return Op{"open", {uniform(0, 2)}, {}};
        }
        if (roll <= 12 && p.streams.size() < 4) {
            return Op{"fopen", {uniform(0, 2), next_stream_++}, {}};
        }
        if (roll <= 14 && !p.streams.empty()) {
            return Op{"fclose", {pick(keys(p.streams))}, {}};
        }
        if (roll <= 15) {
            return p.dirs.empty() ? Op{"opendir", {next_dir_++}, {}}
                                  : Op{"closedir", {pick(keys(p.dirs))}, {}};
        }
        if (roll <= 16) {
            return Op{"pipe", {}, {}};
        }
        if (roll <= 26) {
            const int fd = seekable_fd(p);
            switch (uniform(0, 3)) {
            case 0:
                return Op{"dup", {fd}, {}};
            case 1:
                return Op{"dup2", {fd, chance(10) ? fd : target_fd(p)}, {}};
            case 2:
                return Op{"dup3", {fd, chance(10) ? fd : target_fd(p), uniform(0, 1)}, {}};
            default:
                return Op{"dupfd", {fd, uniform(3, 20), uniform(0, 1)}, {}};
            }
        }
        if (roll <= 32) {
            const auto closable = fds(p, true, true, true);
            return Op{
                "close", {closable.empty() || chance(10) ? invalid_fd(p) : pick(closable)}, {}};
        }
        if (roll <= 37) {
            const auto files = fds(p, true, false, false);
            return Op{"read",
                      {files.empty() || chance(10) ? invalid_fd(p) : pick(files), uniform(1, 3000)},
                      {}};
        }
        if (roll <= 50 && !p.streams.empty()) {
            const long k = pick(keys(p.streams));
            const int kind = uniform(0, 3);
            if (kind == 0) {
                return Op{"ftell", {k}, {}};
            }
            if (kind == 1) {
                return Op{"fread", {k, uniform(1, 3000)}, {}};
            }
            const long w = options_.extended && chance(70) ? whence() : uniform(0, 4);
            return Op{"fseek", {k, offset(p.fds.at(p.streams.at(k).fd).get(), w), w}, {}};
        }
        if (roll <= 53 && depth < options_.max_fork_depth) {
            return Op{"fork", {}, {}};
        }
        if (roll <= 54 && options_.extended) {
            const auto files = fds(p, true, false, false);
            if (!files.empty()) {
                return Op{"pushn", {pick(files), uniform(1015, 1030)}, {}};
            }
        }
        const int fd = seekable_fd(p);
        const auto it = p.fds.find(fd);
        const long w = whence();
        return Op{"lseek", {fd, offset(it == p.fds.end() ? nullptr : it->second.get(), w), w}, {}};
    }

    void block(Process &p, int depth, int count, Sequence &ops,
               std::vector<std::string> &expected) {
        for (int i = 0; i < count; ++i) {
            Op op = next(p, depth);
            if (op.name == "fork") {
                Process child = p;
                block(child, depth + 1, uniform(2, 10), op.block, expected);
                expected.push_back(result_ok(op, "0"));
            } else {
                expected.push_back(model_.apply(p, op));
            }
            ops.push_back(std::move(op));
        }
    }

    template <class Map>
    static std::vector<long> keys(const Map &m) {
        std::vector<long> out;
        for (const auto &[k, v] : m) {
            out.push_back(k);
        }
        return out;
    }

    const Model &model_;
    std::mt19937_64 &rng_;
    GeneratorOptions options_;
    long next_stream_ = 0;
    long next_dir_ = 0;
};

} // namespace

Generated generate(const Model &model, std::mt19937_64 &rng, const GeneratorOptions &options) {
    return Generator(model, rng, options).run();
}

} // namespace seekmark::test
