// A private, anonymous copy of a module image for the dynamic linker to map.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace lkmfs::kernel {

// The loader maps a private copy of the image: rebuilding or overwriting NAME.ko while it
// is loaded then cannot change (or SIGBUS) the running code, as the kernel's own copy.
// The copy stays open while the module is loaded: the dynamic linker tells objects apart
// by path, and /proc/self/fd/N must not name two modules at once.
class ImageFile {
  public:
    explicit ImageFile(std::span<const std::byte> image);
    ~ImageFile();
    ImageFile(const ImageFile &) = delete;
    ImageFile &operator=(const ImageFile &) = delete;
    bool ok() const { return fd_ >= 0; }
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

  private:
    int fd_ = -1;
};

} // namespace lkmfs::kernel
