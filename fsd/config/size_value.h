// Byte sizes written the way people write them: 4096, 64K, 1M, 1MiB.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lkmfs::config::detail {

// Digits, optionally followed by a binary unit: K, M, G (either case, as the kernel's
// memparse takes them) or KiB, MiB, GiB. "MB" is refused: it could mean 10^6 or 2^20.
// Returns nullopt for anything else, including overflow.
std::optional<std::size_t> parse_size(std::string_view text);

// The shortest exact spelling of a size: 4096 -> "4K", 1048576 -> "1M", 1000 -> "1000".
std::string format_size(std::size_t bytes);

} // namespace lkmfs::config::detail
