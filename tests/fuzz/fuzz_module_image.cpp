// libFuzzer target: reading a NAME.ko before it is loaded (parse_module_image: the ELF
// checks of Linux's elf_validity_check(), .modinfo, the dynamic symbols). Only the reading
// is fuzzed; nothing fuzzed is ever handed to the dynamic linker. Every refusal must be
// ENOEXEC with a reason.
#include "kernel/module_image.h"

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    using namespace lkmfs::kernel;
    ModuleImage image;
    lkmfs::Status status = parse_module_image(
        std::span<const std::byte>(reinterpret_cast<const std::byte *>(data), size), &image);
    if (!status) {
        if (status.err != ENOEXEC || status.message.empty())
            std::abort();
        return 0;
    }
    (void)image.info("vermagic");
    (void)image.info("license");
    return 0;
}
