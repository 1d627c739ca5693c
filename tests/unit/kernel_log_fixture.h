// A running kernel that prints nothing on the console, and what its log gained since the
// test began: the fixture of tests that check the kernel's reports.
#pragma once

#include "kernel/kernel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace lkmfs::kernel {

class KernelLogTest : public ::testing::Test {
  protected:
    static KernelOptions quiet() {
        KernelOptions options;
        options.console_loglevel = 0;
        return options;
    }
    // The records logged since the test began, one per line.
    std::string log_since_start() {
        std::string out;
        for (const LogRecord &r : kernel_.log().snapshot())
            if (r.seq >= start_)
                out += r.text + "\n";
        return out;
    }

    Kernel kernel_{quiet()};
    std::uint64_t start_ = kernel_.log().next_seq();
};

} // namespace lkmfs::kernel
