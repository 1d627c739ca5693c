// modinfo's listing, as kmod prints it for a module file.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lkmfs::lkmctl {

using ModinfoFields = std::vector<std::pair<std::string, std::string>>;

// "filename:       PATH", then every .modinfo field as "key:" padded to 16 columns and
// its value, in file order, except parm/parmtype: those come last, one "parm:" line per
// parameter combining its description and type ("name:desc (type)"), in kmod's order
// (the reverse of first appearance).
std::string format_modinfo(const std::string &filename, const ModinfoFields &fields);

// The same without the filename line, for when that is printed first on its own.
std::string format_modinfo_fields(const ModinfoFields &fields);

// "filename:       PATH\n"
std::string format_modinfo_filename(const std::string &filename);

} // namespace lkmfs::lkmctl
