// Reads a --target file (YAML or JSON) describing the cluster under test into JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace drillhost::cli {

// Throws UsageError naming the file, line and column when it cannot be read or parsed.
nlohmann::json load_target_file(const std::string &path);

// Any YAML (or JSON) file that holds credentials, read as a trusted file (at most 1 MiB, nested at
// most 64 levels, 10 000 values) into JSON; errors name `option`, the file, line and column.
nlohmann::json load_yaml_file(const std::string &path, const std::string &option);

}  // namespace drillhost::cli
