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
#include <sstream>
#include <system_error>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

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

// Where each document of a YAML stream starts: the position of its first node.
class DocumentMarks : public YAML::EventHandler {
  public:
    std::vector<YAML::Mark> starts; // one per document
    std::vector<YAML::Mark> nodes;  // its first node's position (or the start, if none)

    void OnDocumentStart(const YAML::Mark &mark) override {
        starts.push_back(mark);
        nodes.push_back(mark);
        seen_node_ = false;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark &mark, YAML::anchor_t) override { node(mark); }
    void OnAlias(const YAML::Mark &mark, YAML::anchor_t) override { node(mark); }
    void OnScalar(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                  const std::string &) override {
        node(mark);
    }
    void OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnMapEnd() override {}

  private:
    void node(const YAML::Mark &mark) {
        if (!seen_node_ && !nodes.empty())
            nodes.back() = mark;
        seen_node_ = true;
    }
    bool seen_node_ = false;
};

// A configuration is one YAML document. Not YAML::LoadAll(): on some malformed streams
// (a line holding only ',') yaml-cpp 0.7's parser reports an empty document at the same
// token for ever without consuming it, and LoadAll() collects them until memory runs out
// (found by tests/fuzz; fixed upstream after 0.7). Here the documents are only walked, a
// bounded number of times, and a parser stuck in place is a syntax error at that token.
std::optional<ConfigError> check_one_document(const std::string &text, std::string_view source) {
    constexpr std::size_t kMaxDocuments = 16;
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentMarks marks;
    while (marks.starts.size() < kMaxDocuments && parser.HandleNextDocument(marks)) {
        std::size_t n = marks.starts.size();
        if (n >= 2 && marks.starts[n - 1].pos == marks.starts[n - 2].pos) {
            const YAML::Mark &at = marks.starts[n - 1];
            std::string token = static_cast<std::size_t>(at.pos) < text.size()
                                    ? std::string(1, text[static_cast<std::size_t>(at.pos)])
                                    : std::string("end of file");
            return located_error(source, at, "YAML syntax error: unexpected '" + token + "'");
        }
    }
    if (marks.starts.size() > 1)
        return located_error(
            source, marks.nodes[1],
            "expected one YAML document, found " + std::to_string(marks.starts.size()) +
                (marks.starts.size() == kMaxDocuments ? " or more" : "") + " (remove the '---')");
    return std::nullopt;
}

} // namespace

std::optional<ConfigError> parse_config(std::string_view yaml_text, std::string_view source_name,
                                        const std::string &base_dir, Config *out) {
    try {
        std::string text(yaml_text);
        if (auto error = check_one_document(text, source_name))
            return error;
        YAML::Node root = YAML::Load(text); // the first (only) document; null when empty
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
