// Initialisation: the region, the identity page and this process's record. Done by the
// library's constructor, or at the first use that needs it if another library's
// constructor gets there first. Everything it does is a system call, so it is also safe
// when that first use is a signal handler.
#pragma once

namespace seekmark {

// False if the region could not be mapped (the caller answers ENOMEM).
bool ensure_init() noexcept;

} // namespace seekmark
