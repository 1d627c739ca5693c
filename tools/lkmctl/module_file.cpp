#include "module_file.h"

#include "control/protocol.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace lkmfs::lkmctl {

int read_module_file(const std::string &file, std::vector<std::byte> *image) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = 0;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        err = errno;
    } else if (S_ISDIR(st.st_mode)) {
        err = EISDIR;
    } else if (static_cast<std::size_t>(st.st_size) > control::kMaxModuleImage) {
        err = EFBIG;
    } else {
        image->resize(static_cast<std::size_t>(st.st_size));
        std::size_t done = 0;
        while (done < image->size()) {
            ssize_t n = ::read(fd, image->data() + done, image->size() - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                err = n < 0 ? errno : EIO; // shrank while we read
                break;
            }
            done += static_cast<std::size_t>(n);
        }
    }
    ::close(fd);
    return err;
}

} // namespace lkmfs::lkmctl
