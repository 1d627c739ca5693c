#include "text_match.h"

#include <regex>
#include <sstream>

namespace lkmfs::testing {

::testing::AssertionResult Contains(const std::string &text, const std::string &needle) {
    if (text.find(needle) != std::string::npos)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << needle << "\" not found in:\n" << text;
}

::testing::AssertionResult LacksText(const std::string &text, const std::string &needle) {
    if (text.find(needle) == std::string::npos)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << needle << "\" unexpectedly found in:\n" << text;
}

::testing::AssertionResult FullMatch(const std::string &text, const std::string &pattern) {
    if (std::regex_match(text, std::regex(pattern)))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << text << "\" does not match /" << pattern << "/";
}

std::size_t count_of(const std::string &text, const std::string &needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); !needle.empty() && pos != std::string::npos;
         pos = text.find(needle, pos + needle.size()))
        ++n;
    return n;
}

std::string last_line_with(const std::string &text, const std::string &needle) {
    std::istringstream in(text);
    std::string found;
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos)
            found = line;
    return found;
}

std::string line_starting(const std::string &text, const std::string &prefix) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(prefix))
            return line;
    return "";
}

} // namespace lkmfs::testing
