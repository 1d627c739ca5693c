// Reading a NAME.ko into memory, for insmod (to send it) and modinfo (to parse it).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lkmfs::lkmctl {

// The whole file; 0 or an errno (EISDIR for a directory, EFBIG beyond kMaxModuleImage).
int read_module_file(const std::string &path, std::vector<std::byte> *image);

} // namespace lkmfs::lkmctl
