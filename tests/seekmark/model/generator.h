// Random operation sequences for the differential test, generated together with the
// model's expected results: the generator consults the model's state to choose mostly
// meaningful operations (descriptors that exist, streams that are open) and some that are
// not (closed and never-opened descriptors), and never one whose result would depend on
// the filesystem or on scheduling (reads of pipes, positions beyond 2^40 that only some
// filesystems accept).
#pragma once

#include "model.h"
#include "ops.h"

#include <random>
#include <string>
#include <vector>

namespace seekmark::test {

struct GeneratorOptions {
    bool extended = true; // bookmark whence values too; false: 0..4 only, no pushn
    int min_ops = 12;
    int max_ops = 40;
    int max_fork_depth = 2;
};

struct Generated {
    Sequence ops;
    std::vector<std::string> expected;
};

Generated generate(const Model &model, std::mt19937_64 &rng, const GeneratorOptions &options);

} // namespace seekmark::test
