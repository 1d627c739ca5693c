#include "dmesg_format.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <strings.h>

namespace lkmfs::lkmctl {

namespace {

// util-linux's level_names, indexed by syslog level.
constexpr std::array<std::string_view, 8> kLevelNames{"emerg", "alert",  "crit", "err",
                                                      "warn",  "notice", "info", "debug"};

std::optional<int> parse_level(std::string_view item) {
    if (!item.empty() && std::isdigit(static_cast<unsigned char>(item.front()))) {
        if (item.size() == 1 && item.front() <= '7')
            return item.front() - '0';
        return std::nullopt;
    }
    for (std::size_t i = 0; i < kLevelNames.size(); ++i)
        if (item.size() == kLevelNames[i].size() &&
            ::strncasecmp(item.data(), kLevelNames[i].data(), item.size()) == 0)
            return static_cast<int>(i);
    return std::nullopt;
}

// util-linux's safe_fwrite(): control characters other than whitespace as \xNN, so that a
// module cannot drive the terminal; a newline followed by more text starts an indented line.
void append_text(std::string &out, std::string_view text, std::size_t indent) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n' && i + 1 < text.size() && indent > 0) {
            out += '\n';
            out.append(indent, ' ');
        } else if (c < 0x80 && !std::isprint(c) && !std::isspace(c)) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += static_cast<char>(c);
        }
    }
}

} // namespace

std::optional<LevelFilter> LevelFilter::parse(std::string_view list, std::string *bad) {
    LevelFilter filter;
    for (;;) {
        auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        std::optional<int> level = parse_level(item);
        if (!level) {
            *bad = std::string(item);
            return std::nullopt;
        }
        filter.levels_.set(static_cast<std::size_t>(*level));
        if (comma == std::string_view::npos)
            return filter;
        list.remove_prefix(comma + 1);
    }
}

LevelFilter LevelFilter::all() {
    LevelFilter filter;
    filter.everything_ = true;
    return filter;
}

bool LevelFilter::accepts(int level) const {
    if (everything_)
        return true;
    return level >= 0 && level < 8 && levels_.test(static_cast<std::size_t>(level));
}

std::string format_dmesg_record(const control::LogRow &record, bool raw) {
    if (record.text.empty())
        return "\n";
    std::uint64_t seconds = record.ts_usec / 1000000;
    std::uint64_t micros = record.ts_usec % 1000000;
    std::string prefix = raw ? fmt::format("<{}>[{:>5}.{:06}] ",
                                           (record.facility << 3) | record.level, seconds, micros)
                             : fmt::format("[{:>5}.{:06}] ", seconds, micros);
    std::string out = prefix;
    append_text(out, record.text, prefix.size());
    out += '\n';
    return out;
}

} // namespace lkmfs::lkmctl
