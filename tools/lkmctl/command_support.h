// What every subcommand needs: a connection to the daemon, kmod-style error lines, and
// stdout writes that notice a closed pipe.
#pragma once

#include "commands.h"
#include "daemon_connection.h"

#include <string_view>

namespace lkmfs::lkmctl {

// Finds and connects to the daemon. On failure prints "lkmctl: WHY" and returns false.
bool connect_to_daemon(const GlobalOptions &global, DaemonConnection *connection);

// "insmod: ERROR: MESSAGE" on stderr, as kmod's tools report.
void print_kmod_error(std::string_view tool, std::string_view message);

// "lkmctl: MESSAGE" on stderr.
void print_lkmctl_error(std::string_view message);

// Appends to stdout; false (errno set) once a write failed.
bool write_stdout(std::string_view text);

// Flushes stdout and returns the exit status: 0 also when the reader went away (EPIPE),
// as dmesg does; otherwise on a failed write "TOOL: write failed: WHY" and 1.
int finish_stdout(std::string_view tool, int status);

} // namespace lkmfs::lkmctl
