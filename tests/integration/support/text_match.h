// Assertions on command output that print the whole text when they fail:
//   EXPECT_TRUE(Contains(dmesg, "hello: init"));
//   EXPECT_TRUE(FullMatch(line, R"(hello \d+ 0 - Live 0x[0-9a-f]{16} \(OE\))"));
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

namespace lkmfs::testing {

::testing::AssertionResult Contains(const std::string &text, const std::string &needle);
::testing::AssertionResult LacksText(const std::string &text, const std::string &needle);
// std::regex_match of the whole `text` (ECMAScript syntax).
::testing::AssertionResult FullMatch(const std::string &text, const std::string &pattern);

// How often `needle` occurs in `text`.
std::size_t count_of(const std::string &text, const std::string &needle);
// The last line of `text` that contains `needle`, without its newline; "" if none.
std::string last_line_with(const std::string &text, const std::string &needle);
// The first line of `text` that starts with `prefix`; "" if none.
std::string line_starting(const std::string &text, const std::string &prefix);

} // namespace lkmfs::testing
