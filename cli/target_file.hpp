// Reads a --target file (YAML or JSON) describing the cluster under test into JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace drillhost::cli {

// Throws UsageError naming the file, line and column when it cannot be read or parsed.
nlohmann::json load_target_file(const std::string &path);

}  // namespace drillhost::cli
