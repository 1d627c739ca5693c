// Typed access to a parsed YAML document that knows where each value came from. Every
// accessor either returns the value or throws a ParseFailure naming the full key path
// ("modules.load[1].name") and the value's line and column.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lkmfs::config::detail {

// The first problem found in a document. Thrown only between the parser's own functions;
// the public API turns it into a ConfigError.
struct ParseFailure {
    YAML::Mark mark;     // may be null (YAML::Mark::null_mark()) when there is no position
    std::string message; // without the "FILE:LINE:COL: " prefix
};

class MapFields;

// One value in the document, with its key path.
class Field {
  public:
    static Field root(YAML::Node document);
    Field(YAML::Node node, std::string path, YAML::Mark key_mark)
        : node_(std::move(node)), path_(std::move(path)), key_mark_(key_mark) {}

    const std::string &path() const { return path_; }
    const YAML::Node &node() const { return node_; }
    // Where the value starts; for an empty value, where its key is (yaml-cpp would point
    // at whatever follows).
    YAML::Mark mark() const;

    bool is_null() const { return node_.IsNull(); }
    bool is_scalar() const { return node_.IsScalar(); }

    // "key 'PATH': PROBLEM" at this value.
    [[noreturn]] void fail(std::string_view problem) const;
    // What the value is, for "got ..." in messages: 'text', a list, a map, nothing.
    std::string describe() const;

    // A map whose keys must all be in `known`, each given once. An empty value is an empty
    // map, so a section whose keys are all commented out is fine.
    MapFields as_map(std::initializer_list<std::string_view> known) const;
    // A map with any keys (each given once), in document order.
    std::vector<std::pair<std::string, Field>> as_entries() const;
    // A list; an empty value is an empty list. Elements have paths "PATH[i]".
    std::vector<Field> as_list() const;
    std::string as_string() const;
    long long as_integer(long long min, long long max) const;
    std::size_t as_size(std::size_t min, std::size_t max) const;
    // One of `choices`, spelt exactly.
    std::string_view as_choice(std::initializer_list<std::string_view> choices) const;

  private:
    // Checks keys against `known` when given.
    std::vector<std::pair<std::string, Field>>
    entries(std::optional<std::span<const std::string_view>> known) const;

    YAML::Node node_;
    std::string path_;
    YAML::Mark key_mark_;
};

// The entries of a checked map, in document order.
class MapFields {
  public:
    std::optional<Field> get(std::string_view key) const;

  private:
    friend class Field;
    std::vector<std::pair<std::string, Field>> entries_;
};

} // namespace lkmfs::config::detail
