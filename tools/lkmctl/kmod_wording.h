// What kmod's insmod, rmmod and modinfo would say, and how they turn arguments into module
// names, so that lkmctl reads like the tools users already know.
#pragma once

#include <string>
#include <string_view>

namespace lkmfs::lkmctl {

// kmod's mod_strerror(): the reasons init_module(2) gives, in insmod's words; strerror for
// the rest.
std::string insmod_strerror(int err);

// The name a module argument stands for: '-' becomes '_' and the name ends at the first
// '.' ("my-mod.ko" -> "my_mod"), as kmod normalises names.
std::string modname_normalize(std::string_view name);

// The module name of a file path: its basename, normalised ("/a/hello.ko" -> "hello").
std::string path_to_modname(std::string_view path);

// `path` made absolute against the working directory, without resolving anything (kmod
// reports "/cwd/./hello.ko" for "./hello.ko").
std::string make_absolute(const std::string &path);

// True if `arg` names an existing regular file ending in a module extension (.ko,
// .ko.gz, .ko.xz, .ko.zst): modinfo then reads the file instead of asking by name.
bool is_module_filename(const std::string &arg);

// strerror() returns a pointer into shared state; this copies it at once.
std::string errno_text(int err);

} // namespace lkmfs::lkmctl
