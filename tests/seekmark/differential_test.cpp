// Item 2 of issue 5: generated operation sequences, run by a real process with the shim
// preloaded, compared line by line with the reference model; and the same generator
// restricted to standard whence values, run with and without the shim, which must agree
// with each other (and with the model).
//
// SEEKMARK_DIFF_SEQUENCES (per batch) and SEEKMARK_DIFF_SEED override the defaults; a
// failure prints the seed and the sequence, which `seekmark_sequence_runner` replays.
#include "generator.h"
#include "model.h"
#include "process.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <map>
#include <sstream>

namespace seekmark::test {
namespace {

const std::vector<long> kSizes = {0, 1000, 10000};

long env_number(const char *name, long fallback) {
    const char *value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::strtol(value, nullptr, 10) : fallback;
}

struct Batch {
    std::string input;                                 // for the runner
    std::map<long, std::vector<std::string>> expected; // by sequence number
    std::map<long, std::string> text;                  // to show a failing sequence
};

Batch make_batch(long seed, long count, bool extended) {
    Batch batch;
    const Model model(kSizes);
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
    GeneratorOptions options;
    options.extended = extended;
    for (long i = 0; i < count; ++i) {
        Generated g = generate(model, rng, options);
        std::string text;
        append_sequence(text, i, g.ops);
        batch.input += text;
        batch.text[i] = text;
        batch.expected[i] = std::move(g.expected);
    }
    return batch;
}

// Result lines by sequence number.
std::map<long, std::vector<std::string>> split_results(const std::string &out) {
    std::map<long, std::vector<std::string>> results;
    std::istringstream in(out);
    std::string line;
    long current = -1;
    while (std::getline(in, line)) {
        if (line.rfind("seq ", 0) == 0) {
            current = std::strtol(line.c_str() + 4, nullptr, 10);
            results[current];
        } else if (current >= 0) {
            results[current].push_back(line);
        }
    }
    return results;
}

Outcome run_batch(const Batch &batch, bool with_shim) {
    TempDir dir;
    dir.write("sequences", batch.input);
    Launch launch;
    launch.argv = {SEEKMARK_SEQUENCE_RUNNER, dir.path(), std::to_string(kSizes[0]),
                   std::to_string(kSizes[1]), std::to_string(kSizes[2])};
    if (with_shim) {
        launch.env = {preload()};
    }
    launch.stdin_path = dir.file("sequences");
    launch.timeout = std::chrono::minutes(4);
    return run(launch);
}

// Counts the sequences whose lines differ; reports the first few in full.
long count_differences(const std::map<long, std::vector<std::string>> &expected,
                       const std::map<long, std::vector<std::string>> &actual,
                       const std::map<long, std::string> &text, const std::string &what,
                       long seed) {
    long differences = 0;
    for (const auto &[number, lines] : expected) {
        const auto it = actual.find(number);
        const std::vector<std::string> none;
        const std::vector<std::string> &got = it == actual.end() ? none : it->second;
        if (got == lines) {
            continue;
        }
        if (++differences <= 3) {
            std::ostringstream report;
            report << what << ": sequence " << number << " (seed " << seed << ") differs\n"
                   << text.at(number) << "expected | actual:\n";
            for (std::size_t i = 0; i < std::max(lines.size(), got.size()); ++i) {
                const std::string e = i < lines.size() ? lines[i] : "<none>";
                const std::string a = i < got.size() ? got[i] : "<none>";
                report << (e == a ? "   " : ">> ") << e << " | " << a << "\n";
            }
            ADD_FAILURE() << report.str();
        }
    }
    return differences;
}

class Differential : public ::testing::TestWithParam<int> {};

TEST_P(Differential, ShimMatchesModel) {
    const long count = env_number("SEEKMARK_DIFF_SEQUENCES", 2500);
    const long seed = env_number("SEEKMARK_DIFF_SEED", 20250408) + GetParam();
    const Batch batch = make_batch(seed, count, true);
    const Outcome outcome = run_batch(batch, true);
    ASSERT_FALSE(outcome.timed_out) << "runner hung";
    ASSERT_EQ(outcome.status, 0) << outcome.err;
    const auto actual = split_results(outcome.out);
    EXPECT_EQ(static_cast<long>(actual.size()), count) << "sequences reported";
    EXPECT_EQ(count_differences(batch.expected, actual, batch.text, "shim vs model", seed), 0)
        << "of " << count << " sequences";
}

// Four batches of 2500: 10,000 sequences, in four ctest entries that can run in parallel.
INSTANTIATE_TEST_SUITE_P(Batches, Differential, ::testing::Values(0, 1, 2, 3));

TEST(DifferentialStandard, SameWithAndWithoutShim) {
    const long count = env_number("SEEKMARK_DIFF_SEQUENCES", 2500);
    const long seed = env_number("SEEKMARK_DIFF_SEED", 20250408) + 100;
    const Batch batch = make_batch(seed, count, false);
    // Both at once: on two cores that halves the wait.
    auto with_shim = std::async(std::launch::async, [&] { return run_batch(batch, true); });
    const Outcome without = run_batch(batch, false);
    const Outcome with = with_shim.get();
    ASSERT_FALSE(with.timed_out || without.timed_out) << "runner hung";
    ASSERT_EQ(with.status, 0) << with.err;
    ASSERT_EQ(without.status, 0) << without.err;
    const auto plain = split_results(without.out);
    EXPECT_EQ(
        count_differences(plain, split_results(with.out), batch.text, "with shim vs without", seed),
        0);
    EXPECT_EQ(count_differences(batch.expected, plain, batch.text, "model vs no shim", seed), 0);
}

} // namespace
} // namespace seekmark::test
