#include "config_schema.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace lkmfs::config::detail {

namespace {

// Each worker is a thread with its own stack; thousands of them is a typo, not a setup.
constexpr long long kMaxThreads = 4096;
constexpr std::size_t kMinLogBuffer = std::size_t{4} << 10;
constexpr std::size_t kMaxLogBuffer = std::size_t{256} << 20;

bool has_space(std::string_view text) {
    return std::any_of(text.begin(), text.end(),
                       [](unsigned char c) { return std::isspace(c) != 0; });
}

std::string trimmed(std::string_view text) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::string resolve(const std::string &base_dir, const std::string &path) {
    if (base_dir.empty() || path.empty() || std::filesystem::path(path).is_absolute())
        return path;
    return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

// A module given as a file rather than a name to look up in the module path.
bool is_module_file(std::string_view module) {
    return module.find('/') != std::string_view::npos || module.ends_with(".ko");
}

// --- mount -----------------------------------------------------------------------------

// "allow_other, ro" -> {"allow_other", "ro"}; empty pieces are dropped.
void append_mount_options(std::string_view text, std::vector<std::string> &options) {
    while (!text.empty()) {
        std::size_t comma = text.find(',');
        std::string option = trimmed(text.substr(0, comma));
        if (!option.empty())
            options.push_back(std::move(option));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
}

std::vector<std::string> parse_mount_options(const Field &field) {
    std::vector<std::string> options;
    if (field.is_scalar()) {
        append_mount_options(field.as_string(), options);
        return options;
    }
    for (const Field &element : field.as_list())
        append_mount_options(element.as_string(), options);
    return options;
}

void parse_mount(const Field &section, Config &config) {
    MapFields keys = section.as_map({"options", "max_threads", "max_idle_threads"});
    if (auto options = keys.get("options"))
        config.mount_options = parse_mount_options(*options);
    if (auto threads = keys.get("max_threads"))
        config.max_threads = static_cast<unsigned>(threads->as_integer(1, kMaxThreads));
    if (auto idle = keys.get("max_idle_threads"))
        config.max_idle_threads = static_cast<unsigned>(idle->as_integer(0, kMaxThreads));
}

// --- modules ---------------------------------------------------------------------------

std::string parse_module_name(const Field &field, const std::string &base_dir) {
    if (!field.is_null() && !field.is_scalar())
        field.fail("expected a module name or a path to a .ko file, got " + field.describe());
    std::string module = field.is_null() ? std::string() : trimmed(field.as_string());
    if (module.empty())
        field.fail("empty module name (expected a module name or a path to a .ko file)");
    if (is_module_file(module))
        return resolve(base_dir, module);
    // "kbuf size=4096" is how insmod is typed; say where parameters go instead.
    if (has_space(module))
        field.fail("module name '" + module + "' contains a space; give parameters as 'params'");
    return module;
}

bool is_param_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.';
    });
}

// One parameter value as insmod takes it. The kernel's argument splitter knows double
// quotes but no escapes, so a value may contain spaces (and is then quoted) but no quote.
std::string param_value(const Field &value) {
    std::string text = value.as_string();
    if (text.find('"') != std::string::npos)
        value.fail("a module parameter value cannot contain '\"'");
    return has_space(text) ? "\"" + text + "\"" : text;
}

// params: { size: 4096, name: "two words", ids: [1, 2], debug: } -> size=4096
// name="two words" ids=1,2 debug   (a list is an array parameter; no value is a bool flag)
std::string join_params(const Field &params) {
    std::string joined;
    for (const auto &[name, value] : params.as_entries()) {
        if (!is_param_name(name))
            value.fail("'" + name + "' is not a parameter name (letters, digits, '_', '-', '.')");
        if (!joined.empty())
            joined += ' ';
        joined += name;
        if (value.is_null())
            continue;
        joined += '=';
        if (value.is_scalar()) {
            joined += param_value(value);
            continue;
        }
        if (!value.node().IsSequence())
            value.fail("expected a value or a list of values, got " + value.describe());
        std::string elements;
        for (const Field &element : value.as_list()) {
            std::string text = param_value(element);
            if (text.find(',') != std::string::npos)
                element.fail("an array parameter element cannot contain ','");
            elements += (elements.empty() ? "" : ",") + text;
        }
        joined += elements;
    }
    return joined;
}

std::string parse_params(const Field &field) {
    if (field.is_null())
        return {};
    if (field.is_scalar())
        return trimmed(field.as_string());
    if (!field.node().IsMap())
        field.fail("expected a map of parameters or a string like \"size=4096\", got " +
                   field.describe());
    return join_params(field);
}

ModuleToLoad parse_module_to_load(const Field &entry, const std::string &base_dir) {
    if (entry.is_null() || entry.is_scalar())
        return {parse_module_name(entry, base_dir), ""};
    if (!entry.node().IsMap())
        entry.fail("expected a module name or a map with 'name' and 'params', got " +
                   entry.describe());
    MapFields keys = entry.as_map({"name", "params"});
    auto name = keys.get("name");
    if (!name)
        entry.fail("missing 'name'");
    ModuleToLoad module{parse_module_name(*name, base_dir), ""};
    if (auto params = keys.get("params"))
        module.params = parse_params(*params);
    return module;
}

std::vector<std::string> parse_module_path(const Field &field, const std::string &base_dir) {
    std::vector<Field> entries;
    if (field.is_scalar())
        entries.push_back(field); // a single directory needs no list
    else
        entries = field.as_list();
    std::vector<std::string> directories;
    for (const Field &entry : entries) {
        std::string directory = entry.as_string();
        if (directory.empty())
            entry.fail("empty directory");
        directories.push_back(resolve(base_dir, directory));
    }
    return directories;
}

void parse_modules(const Field &section, const std::string &base_dir, Config &config) {
    MapFields keys = section.as_map({"path", "load"});
    if (auto path = keys.get("path"))
        config.module_path = parse_module_path(*path, base_dir);
    if (auto load = keys.get("load")) {
        for (const Field &entry : load->as_list())
            config.load.push_back(parse_module_to_load(entry, base_dir));
    }
}

// --- log -------------------------------------------------------------------------------

void parse_log(const Field &section, Config &config) {
    MapFields keys = section.as_map({"buffer_size", "console_level"});
    if (auto size = keys.get("buffer_size"))
        config.log_buf_bytes = size->as_size(kMinLogBuffer, kMaxLogBuffer);
    if (auto level = keys.get("console_level"))
        config.console_loglevel = static_cast<int>(level->as_integer(0, 8));
}

// --- control ---------------------------------------------------------------------------

void parse_control(const Field &section, const std::string &base_dir, Config &config) {
    MapFields keys = section.as_map({"socket", "read_access"});
    if (auto socket = keys.get("socket"))
        config.control_socket = resolve(base_dir, socket->as_string());
    if (auto access = keys.get("read_access"))
        config.read_access =
            access->as_choice({"all", "owner"}) == "owner" ? Access::Owner : Access::All;
}

// --- debug -----------------------------------------------------------------------------

bool parse_bool(const Field &field) {
    return field.as_choice({"true", "false"}) == "true";
}

// failslab: { interval: 2, probability: 100, times: -1, space: 0, verbose: 2 }
FaultAttrConfig parse_fault_attr(const Field &field) {
    MapFields keys = field.as_map({"probability", "interval", "times", "space", "verbose"});
    FaultAttrConfig attr;
    if (auto v = keys.get("probability"))
        attr.probability = static_cast<unsigned long>(v->as_integer(0, 100));
    if (auto v = keys.get("interval"))
        attr.interval = static_cast<unsigned long>(v->as_integer(1, 1LL << 31));
    if (auto v = keys.get("times"))
        attr.times = static_cast<long>(v->as_integer(-1, 1LL << 31));
    if (auto v = keys.get("space"))
        attr.space = static_cast<long>(v->as_integer(0, 1LL << 31));
    if (auto v = keys.get("verbose"))
        attr.verbose = static_cast<int>(v->as_integer(0, 2));
    return attr;
}

// fault_injection: { kbuf: { failslab: {...}, fail_usercopy: {...} } }
std::vector<ModuleFaultInjection> parse_fault_injection(const Field &field) {
    std::vector<ModuleFaultInjection> out;
    for (const auto &[module, kinds] : field.as_entries()) {
        ModuleFaultInjection entry;
        entry.module = module;
        MapFields keys = kinds.as_map({"failslab", "fail_usercopy"});
        if (auto f = keys.get("failslab"))
            entry.failslab = parse_fault_attr(*f);
        if (auto f = keys.get("fail_usercopy"))
            entry.fail_usercopy = parse_fault_attr(*f);
        out.push_back(std::move(entry));
    }
    return out;
}

void parse_debug(const Field &section, Config &config) {
    MapFields keys = section.as_map({"oops", "kmemleak", "fault_injection", "lockdep",
                                     "might_sleep", "lock_misuse", "watchdog_thresh"});
    if (auto lockdep = keys.get("lockdep"))
        config.lockdep = parse_bool(*lockdep);
    if (auto might_sleep = keys.get("might_sleep"))
        config.might_sleep = parse_bool(*might_sleep);
    if (auto lock_misuse = keys.get("lock_misuse"))
        config.lock_misuse = parse_bool(*lock_misuse);
    if (auto kmemleak = keys.get("kmemleak"))
        config.kmemleak = parse_bool(*kmemleak);
    if (auto thresh = keys.get("watchdog_thresh"))
        config.watchdog_thresh = static_cast<int>(thresh->as_integer(0, 60));
    if (auto faults = keys.get("fault_injection"))
        config.fault_injection = parse_fault_injection(*faults);
    if (auto oops = keys.get("oops"))
        config.oops =
            oops->as_choice({"kill", "eio"}) == "eio" ? OopsAction::Eio : OopsAction::Kill;
}

} // namespace

Config parse_document(const Field &root, const std::string &base_dir) {
    if (!root.is_null() && !root.node().IsMap())
        root.fail("expected a map of sections (mount, modules, log, control, debug), got " +
                  root.describe());
    MapFields sections = root.as_map({"mount", "modules", "log", "control", "debug"});
    Config config;
    if (auto mount = sections.get("mount"))
        parse_mount(*mount, config);
    if (auto modules = sections.get("modules"))
        parse_modules(*modules, base_dir, config);
    if (auto log = sections.get("log"))
        parse_log(*log, config);
    if (auto control = sections.get("control"))
        parse_control(*control, base_dir, config);
    if (auto debug = sections.get("debug"))
        parse_debug(*debug, config);
    return config;
}

} // namespace lkmfs::config::detail
