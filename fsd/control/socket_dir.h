// Where control sockets live, shared by lkmfsd (which binds one) and lkmctl (which looks
// for them). A root daemon uses /run/lkmfs/, any other daemon $XDG_RUNTIME_DIR/lkmfs/ or,
// without that variable, /tmp/lkmfs-UID/. The socket's file name is a hash of the
// mountpoint's real path: sun_path holds only 108 bytes, mountpoints can be longer.
#pragma once

#include "control_types.h"

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace lkmfs::control {

// The directory a daemon run by `uid` puts its socket in. `xdg_runtime_dir` is the value
// of $XDG_RUNTIME_DIR, or null when unset (passed in so that callers and tests decide).
std::string socket_dir_for(uid_t uid, const char *xdg_runtime_dir);

// The mountpoint as both sides spell it: its realpath, or, when that fails (the mount is
// gone or hangs up), the absolute, lexically normal path. realpath stats the mountpoint:
// a daemon must not call it between mounting there and serving requests.
std::string canonical_mountpoint(const std::string &mountpoint);

// "0123456789abcdef.sock": FNV-1a (64 bit) of the canonical mountpoint, in hex.
std::string socket_file_name(std::string_view canonical_mountpoint);

// socket_dir_for(uid, xdg) / socket_file_name(canonical): the daemon's socket. Takes the
// mountpoint already canonical and touches no file, so it is safe after mounting, when a
// stat of the mountpoint would wait for the daemon's own FUSE session.
std::string socket_path_for(const std::string &canonical, uid_t uid, const char *xdg_runtime_dir);

// The directories lkmctl run by `uid` searches: a root daemon's first, then the one a
// daemon of this user would use.
std::vector<std::string> client_search_dirs(uid_t uid, const char *xdg_runtime_dir);

// Creates `dir` (its parent must exist) and checks that nobody but `uid` can plant files
// in it: it must be a real directory owned by `uid` and not writable by group or others.
Error ensure_socket_dir(const std::string &dir, uid_t uid);

} // namespace lkmfs::control
