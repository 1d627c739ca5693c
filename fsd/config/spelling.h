// "Did you mean ...?" suggestions for misspelt keys and values.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace lkmfs::config::detail {

// Levenshtein distance, ignoring ASCII case (Max_Threads is a typo of max_threads).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo.
std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates);

} // namespace lkmfs::config::detail
