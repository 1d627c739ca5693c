// The public entry points: reading files, turning internal failures into one message, and
// the built-in default.
#include "config.h"

#include "config_schema.h"
#include "yaml_field.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <system_error>

namespace lkmfs::config {

namespace {

constexpr std::string_view kDefaultSourceName = "<built-in lkmfs.yaml>";
// A configuration is a page of text; anything this big is the wrong file (or /dev/zero).
constexpr std::size_t kMaxFileBytes = std::size_t{1} << 20;

// "FILE:LINE:COL: MESSAGE", with yaml-cpp's 0-based positions shown 1-based as editors do.
ConfigError located_error(std::string_view source, const YAML::Mark &mark,
                          std::string_view message) {
    std::string text(source);
    if (!mark.is_null())
        text += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    text += ": ";
    text += message;
    return {std::move(text)};
}

ConfigError file_error(const std::string &path, std::string_view what, int error) {
    return {path + ": " + std::string(what) + ": " +
            std::error_code(error, std::generic_category()).message()};
}

struct FileCloser {
    void operator()(std::FILE *file) const { std::fclose(file); }
};

std::optional<ConfigError> read_file(const std::string &path, std::string *text) {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file)
        return file_error(path, "cannot open", errno);
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get())) {
        text->append(buffer, n);
        if (text->size() > kMaxFileBytes)
            return ConfigError{path + ": not a configuration file: larger than " +
                               std::to_string(kMaxFileBytes) + " bytes"};
    }
    if (std::ferror(file.get()))
        return file_error(path, "cannot read", errno); // e.g. EISDIR for a directory
    return std::nullopt;
}

// The directory relative paths in the file are resolved against, made absolute so that the
// result does not depend on the daemon's working directory later.
std::string directory_of(const std::string &path) {
    std::error_code error;
    std::filesystem::path absolute = std::filesystem::absolute(path, error);
    if (error)
        absolute = path;
    return absolute.lexically_normal().parent_path().string();
}

} // namespace

std::optional<ConfigError> parse_config(std::string_view yaml_text, std::string_view source_name,
                                        const std::string &base_dir, Config *out) {
    try {
        std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml_text));
        if (documents.size() > 1)
            return located_error(source_name, documents[1].Mark(),
                                 "expected one YAML document, found " +
                                     std::to_string(documents.size()) + " (remove the '---')");
        YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
        Config parsed = detail::parse_document(detail::Field::root(root), base_dir);
        *out = std::move(parsed);
        return std::nullopt;
    } catch (const YAML::ParserException &error) {
        return located_error(source_name, error.mark, "YAML syntax error: " + error.msg);
    } catch (const detail::ParseFailure &failure) {
        return located_error(source_name, failure.mark, failure.message);
    } catch (const std::exception &error) {
        // yaml-cpp's other exceptions (and bad_alloc) have no useful position.
        return located_error(source_name, YAML::Mark::null_mark(), error.what());
    }
}

std::optional<ConfigError> load_config_file(const std::string &path, Config *out) {
    try {
        if (path.empty())
            return ConfigError{"configuration file name is empty"};
        std::string text;
        if (auto error = read_file(path, &text))
            return error;
        return parse_config(text, path, directory_of(path), out);
    } catch (const std::exception &error) {
        return ConfigError{path + ": " + error.what()};
    }
}

Config default_config() {
    Config config;
    if (auto error = parse_config(default_config_text(), kDefaultSourceName, "", &config)) {
        // The text is compiled in and covered by a test, so this is a build defect.
        std::fprintf(stderr, "lkmfs: the built-in configuration is invalid: %s\n",
                     error->message.c_str());
        std::abort();
    }
    return config;
}

} // namespace lkmfs::config
