#include "spelling.h"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <vector>

namespace lkmfs::config::detail {

namespace {

char fold(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

} // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // One row of the dynamic-programming table: row[j] = distance(a[0..i), b[0..j)).
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            std::size_t substitution = diagonal + (fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates) {
    std::optional<std::string_view> best;
    std::size_t best_distance = 0;
    for (std::string_view candidate : candidates) {
        std::size_t distance = edit_distance(word, candidate);
        if (!best || distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    // Up to two edits, and fewer than half the word: "lod" is a typo of "load", but "x"
    // is not a typo of "path".
    std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, word.size() / 2));
    if (best && best_distance <= limit && best_distance < std::max(word.size(), best->size()))
        return best;
    return std::nullopt;
}

} // namespace lkmfs::config::detail
