#include "size_value.h"

#include <array>
#include <charconv>
#include <limits>

namespace lkmfs::config::detail {

namespace {

struct Unit {
    std::string_view suffix;
    std::size_t bytes;
};

constexpr std::size_t kKiB = std::size_t{1} << 10;
constexpr std::size_t kMiB = std::size_t{1} << 20;
constexpr std::size_t kGiB = std::size_t{1} << 30;

constexpr std::array kUnits = {
    Unit{"", 1},     Unit{"K", kKiB},   Unit{"k", kKiB}, Unit{"KiB", kKiB}, Unit{"M", kMiB},
    Unit{"m", kMiB}, Unit{"MiB", kMiB}, Unit{"G", kGiB}, Unit{"g", kGiB},   Unit{"GiB", kGiB},
};

} // namespace

std::optional<std::size_t> parse_size(std::string_view text) {
    std::size_t number = 0;
    const char *begin = text.data();
    const char *end = text.data() + text.size();
    auto [digits_end, error] = std::from_chars(begin, end, number);
    // from_chars would also take a leading '-' for signed types only; size_t has none.
    if (error != std::errc{} || digits_end == begin)
        return std::nullopt;
    std::string_view suffix(digits_end, static_cast<std::size_t>(end - digits_end));
    for (const Unit &unit : kUnits) {
        if (suffix != unit.suffix)
            continue;
        if (number > std::numeric_limits<std::size_t>::max() / unit.bytes)
            return std::nullopt;
        return number * unit.bytes;
    }
    return std::nullopt;
}

std::string format_size(std::size_t bytes) {
    if (bytes != 0 && bytes % kGiB == 0)
        return std::to_string(bytes / kGiB) + "G";
    if (bytes != 0 && bytes % kMiB == 0)
        return std::to_string(bytes / kMiB) + "M";
    if (bytes != 0 && bytes % kKiB == 0)
        return std::to_string(bytes / kKiB) + "K";
    return std::to_string(bytes);
}

} // namespace lkmfs::config::detail
