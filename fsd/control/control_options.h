// How a ControlServer is set up by the daemon.
#pragma once

#include <sys/types.h>

#include <string>

namespace lkmfs::control {

// Who may ask read-only questions (hello, lsmod, modinfo, dmesg). Loading and unloading
// are always for root and the daemon's owner only.
enum class ReadAccess { All, Owner };

struct ControlOptions {
    std::string socket_path; // see socket_dir.h for where the daemon puts it
    std::string mountpoint;  // reported by `hello`, so lkmctl can tell daemons apart
    uid_t owner_uid = 0;     // the daemon's uid
    ReadAccess read_access = ReadAccess::All;
};

} // namespace lkmfs::control
