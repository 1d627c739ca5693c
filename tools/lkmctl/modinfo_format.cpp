#include "modinfo_format.h"

#include <cstddef>
#include <optional>
#include <string_view>

namespace lkmfs::lkmctl {

namespace {

struct Param {
    std::string name;
    std::optional<std::string> description; // from "parm=name:description"
    std::optional<std::string> type;        // from "parmtype=name:type"
};

// kmod keeps parameters in a list it prepends to, so they print newest-first.
void add_param(std::vector<Param> &params, std::string_view key, std::string_view value) {
    auto colon = value.find(':');
    if (colon == std::string_view::npos)
        return; // kmod complains and skips it; nothing to show
    std::string name(value.substr(0, colon));
    std::string rest(value.substr(colon + 1));
    Param *param = nullptr;
    for (Param &p : params)
        if (p.name == name)
            param = &p;
    if (param == nullptr) {
        params.insert(params.begin(), Param{name, {}, {}});
        param = &params.front();
    }
    if (key == "parm")
        param->description = std::move(rest);
    else
        param->type = std::move(rest);
}

// kmod prints "%s:%-*s%s" with width 15 - strlen(key): the value starts in column 17, and
// a key longer than 15 gets |15 - length| spaces, since printf reads a negative width as
// left-justification.
std::string field_line(std::string_view key, std::string_view value) {
    auto width = static_cast<std::ptrdiff_t>(15) - static_cast<std::ptrdiff_t>(key.size());
    std::string line(key);
    line += ':';
    line.append(static_cast<std::size_t>(width < 0 ? -width : width), ' ');
    line += value;
    line += '\n';
    return line;
}

} // namespace

std::string format_modinfo(const std::string &filename, const ModinfoFields &fields) {
    return format_modinfo_filename(filename) + format_modinfo_fields(fields);
}

std::string format_modinfo_filename(const std::string &filename) {
    return field_line("filename", filename);
}

std::string format_modinfo_fields(const ModinfoFields &fields) {
    std::string out;
    std::vector<Param> params;
    for (const auto &[key, value] : fields) {
        if (key == "parm" || key == "parmtype")
            add_param(params, key, value);
        else
            out += field_line(key, value);
    }
    for (const Param &p : params) {
        if (!p.description)
            out += field_line("parm", p.name + ":" + *p.type);
        else if (p.type)
            out += field_line("parm", p.name + ":" + *p.description + " (" + *p.type + ")");
        else
            out += field_line("parm", p.name + ":" + *p.description);
    }
    return out;
}

} // namespace lkmfs::lkmctl
