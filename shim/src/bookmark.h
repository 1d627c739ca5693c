// The bookmark operations: lseek and fseek with an extended `whence`. The standard values
// never get here (see interpose_seek.cpp).
#pragma once

#include <cstdio>

namespace seekmark {

// lseek semantics; returns the new position or -errno.
long bookmark_lseek(int fd, long off, int whence) noexcept;

// fseeko semantics on a stream; returns 0, or -1 with errno set.
int bookmark_fseek(FILE *stream, long off, int whence) noexcept;

} // namespace seekmark
