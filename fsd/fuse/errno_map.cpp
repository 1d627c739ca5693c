#include "errno_map.h"

#include <linux/errno.h>

namespace lkmfs::fuse {

int to_user_errno(long kernel_err) {
    long err = -kernel_err;
    switch (err) {
    case ERESTARTSYS:
    case ERESTARTNOINTR:
    case ERESTARTNOHAND:
    case ERESTART_RESTARTBLOCK:
        // The caller had a signal: it sees EINTR (FUSE cannot ask for a restart).
        return EINTR;
    case ENOIOCTLCMD:
        return ENOTTY;
    case ENOTSUPP:
        return EOPNOTSUPP;
    default:
        break;
    }
    if (err <= 0 || err >= 512)
        return EIO;
    return static_cast<int>(err);
}

} // namespace lkmfs::fuse
