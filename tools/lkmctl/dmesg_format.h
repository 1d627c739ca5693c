// dmesg's record lines and level names, as util-linux prints and parses them.
#pragma once

#include "control/control_types.h"

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

namespace lkmfs::lkmctl {

// The levels `-l` lets through. Unset means all.
class LevelFilter {
  public:
    // Parses "err,warn,7": level names (case-insensitive) or numbers 0..7, comma
    // separated. On an unknown item returns nullopt and stores it in *bad.
    static std::optional<LevelFilter> parse(std::string_view list, std::string *bad);
    static LevelFilter all();

    bool accepts(int level) const;

  private:
    std::bitset<8> levels_;
    bool everything_ = false;
};

// One record as dmesg prints it, with its newline: "[%5lu.%06lu] text", or with `raw`
// "<N>[%5lu.%06lu] text" where N = facility << 3 | level. Further lines of a multi-line
// text are indented to the text's column; unprintable bytes show as \xNN; an empty
// record is an empty line.
std::string format_dmesg_record(const control::LogRow &record, bool raw);

} // namespace lkmfs::lkmctl
