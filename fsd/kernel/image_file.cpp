#include "image_file.h"

#include <sys/mman.h>
#include <unistd.h>

namespace lkmfs::kernel {

ImageFile::ImageFile(std::span<const std::byte> image) {
    fd_ = ::memfd_create("lkmfs-module", MFD_CLOEXEC);
    if (fd_ < 0)
        return;
    const std::byte *p = image.data();
    std::size_t left = image.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n <= 0) {
            ::close(fd_);
            fd_ = -1;
            return;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

ImageFile::~ImageFile() {
    if (fd_ >= 0)
        ::close(fd_);
}

} // namespace lkmfs::kernel
