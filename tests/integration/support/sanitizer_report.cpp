#include "sanitizer_report.h"

#include <sstream>

namespace lkmfs::testing {

std::vector<std::string> sanitizer_report_lines(const std::string &output) {
    // The first line of each kind of report: "==PID==ERROR: AddressSanitizer: ...",
    // "==PID==ERROR: LeakSanitizer: ...", "WARNING: ThreadSanitizer: ...", and UBSan's
    // "FILE:LINE:COL: runtime error: ...".
    static const char *const kMarkers[] = {
        "ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "WARNING: ThreadSanitizer",
        "ThreadSanitizer: ",       ": runtime error: ",    "UndefinedBehaviorSanitizer"};
    std::vector<std::string> found;
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
        for (const char *marker : kMarkers) {
            if (line.find(marker) != std::string::npos) {
                found.push_back(line);
                break;
            }
        }
    }
    return found;
}

} // namespace lkmfs::testing
