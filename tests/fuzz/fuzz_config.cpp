// libFuzzer target: the YAML config loader. Any text must give either a Config or a
// ConfigError naming the source; nothing may throw, crash or leak. A text that parses must
// parse the same way again (the loader keeps no state between files).
#include "config/config.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    using namespace lkmfs::config;
    std::string_view text(reinterpret_cast<const char *>(data), size);
    Config config;
    std::optional<ConfigError> error = parse_config(text, "fuzz.yaml", "/etc/lkmfs", &config);
    if (error) {
        if (error->message.rfind("fuzz.yaml", 0) != 0) // every message names the file
            std::abort();
        return 0;
    }
    Config again;
    if (parse_config(text, "fuzz.yaml", "/etc/lkmfs", &again) || !(again == config))
        std::abort();
    return 0;
}
