// The shape of the configuration document: which sections and keys exist, their types and
// ranges, and how each maps onto a Config field.
#pragma once

#include "config.h"
#include "yaml_field.h"

#include <string>

namespace lkmfs::config::detail {

// Builds a Config from the document, starting from the struct's defaults; throws
// ParseFailure at the first problem. Relative paths are resolved against base_dir unless
// it is empty.
Config parse_document(const Field &root, const std::string &base_dir);

} // namespace lkmfs::config::detail
