#include "yaml_field.h"

#include "size_value.h"
#include "spelling.h"

#include <algorithm>
#include <charconv>
#include <span>

namespace lkmfs::config::detail {

namespace {

std::string quoted_list(std::span<const std::string_view> words, std::string_view last_joiner) {
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0)
            text += i + 1 == words.size() ? last_joiner : ", ";
        text += "'" + std::string(words[i]) + "'";
    }
    return text;
}

std::string join_path(const std::string &parent, std::string_view key) {
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

} // namespace

Field Field::root(YAML::Node document) {
    YAML::Mark mark = document.IsDefined() ? document.Mark() : YAML::Mark::null_mark();
    return Field(std::move(document), "", mark);
}

YAML::Mark Field::mark() const {
    if (!node_.IsDefined() || node_.IsNull())
        return key_mark_;
    YAML::Mark mark = node_.Mark();
    return mark.is_null() ? key_mark_ : mark;
}

void Field::fail(std::string_view problem) const {
    std::string message =
        path_.empty() ? std::string(problem) : "key '" + path_ + "': " + std::string(problem);
    throw ParseFailure{mark(), std::move(message)};
}

std::string Field::describe() const {
    if (!node_.IsDefined() || node_.IsNull())
        return "nothing";
    if (node_.IsSequence())
        return "a list";
    if (node_.IsMap())
        return "a map";
    return "'" + node_.Scalar() + "'";
}

MapFields Field::as_map(std::initializer_list<std::string_view> known) const {
    std::span<const std::string_view> known_keys(known.begin(), known.size());
    MapFields fields;
    fields.entries_ = entries(known_keys);
    return fields;
}

std::vector<std::pair<std::string, Field>> Field::as_entries() const {
    return entries(std::nullopt);
}

std::vector<std::pair<std::string, Field>>
Field::entries(std::optional<std::span<const std::string_view>> known) const {
    std::vector<std::pair<std::string, Field>> fields;
    if (is_null())
        return fields;
    if (!node_.IsMap())
        fail("expected a map, got " + describe());
    for (const auto &entry : node_) {
        const YAML::Node &key = entry.first;
        if (!key.IsScalar()) {
            Field key_field(key, path_, key.Mark());
            key_field.fail("expected a name as key, got " + key_field.describe());
        }
        std::string name = key.Scalar();
        std::string path = join_path(path_, name);
        if (known && std::find(known->begin(), known->end(), name) == known->end()) {
            std::string message = "unknown key '" + path + "'";
            if (auto suggestion = closest_match(name, *known))
                message += " (did you mean '" + std::string(*suggestion) + "'?)";
            else
                message += " (expected " + quoted_list(*known, " or ") + ")";
            throw ParseFailure{key.Mark(), std::move(message)};
        }
        for (const auto &[earlier_name, earlier] : fields) {
            if (earlier_name == name)
                throw ParseFailure{key.Mark(),
                                   "duplicate key '" + path + "' (first given on line " +
                                       std::to_string(earlier.key_mark_.line + 1) + ")"};
        }
        fields.emplace_back(name, Field(entry.second, std::move(path), key.Mark()));
    }
    return fields;
}

std::vector<Field> Field::as_list() const {
    std::vector<Field> elements;
    if (is_null())
        return elements;
    if (!node_.IsSequence())
        fail("expected a list, got " + describe());
    for (const YAML::Node &element : node_) {
        // yaml-cpp places an empty element ("-") at whatever token follows it, possibly
        // lines later; the list's key is a better place to start looking for element [i].
        YAML::Mark element_mark = element.IsNull() ? key_mark_ : element.Mark();
        std::string path = path_ + "[" + std::to_string(elements.size()) + "]";
        elements.emplace_back(element, std::move(path), element_mark);
    }
    return elements;
}

std::string Field::as_string() const {
    if (!is_scalar())
        fail("expected a string, got " + describe());
    return node_.Scalar();
}

long long Field::as_integer(long long min, long long max) const {
    std::string expected =
        "expected an integer " + std::to_string(min) + ".." + std::to_string(max);
    if (!is_scalar())
        fail(expected + ", got " + describe());
    const std::string &text = node_.Scalar();
    long long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max)
        fail(expected + ", got " + describe());
    return value;
}

std::size_t Field::as_size(std::size_t min, std::size_t max) const {
    std::string expected = "expected a size from " + format_size(min) + " to " + format_size(max) +
                           " (bytes, or with K, M, G or KiB, MiB, GiB)";
    if (!is_scalar())
        fail(expected + ", got " + describe());
    std::optional<std::size_t> size = parse_size(node_.Scalar());
    if (!size || *size < min || *size > max)
        fail(expected + ", got " + describe());
    return *size;
}

std::string_view Field::as_choice(std::initializer_list<std::string_view> choices) const {
    std::span<const std::string_view> options(choices.begin(), choices.size());
    std::string expected = "expected " + quoted_list(options, " or ");
    if (!is_scalar())
        fail(expected + ", got " + describe());
    for (std::string_view choice : options) {
        if (node_.Scalar() == choice)
            return choice;
    }
    std::string message = expected + ", got " + describe();
    if (auto suggestion = closest_match(node_.Scalar(), options))
        message += " (did you mean '" + std::string(*suggestion) + "'?)";
    fail(message);
}

std::optional<Field> MapFields::get(std::string_view key) const {
    for (const auto &[name, field] : entries_) {
        if (name == key)
            return field;
    }
    return std::nullopt;
}

} // namespace lkmfs::config::detail
