// Sanitizer reports in a program's output. A sanitizer build (scripts/sanitize.sh) runs the
// daemons of the integration tests instrumented; a report in a daemon's output must fail
// the test that started it even when the daemon went on (or its exit went unchecked).
#pragma once

#include <string>
#include <vector>

namespace lkmfs::testing {

// The lines of `output` that open a report of ASan, LSan, UBSan or TSan.
std::vector<std::string> sanitizer_report_lines(const std::string &output);

} // namespace lkmfs::testing
