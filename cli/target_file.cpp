#include "target_file.hpp"

#include <yaml-cpp/yaml.h>
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/file_trust.hpp>
#include <drillhost/core/param_schema.hpp>

#include <filesystem>

namespace drillhost::cli {
namespace {

// Target files hold credentials; they are small. Anything larger is not a target file.
constexpr size_t max_target_bytes = 1 << 20;

// The shape drillhost and its plugins rely on (docs/transports.md): what is there must have the
// right type; what is not there is up to the plugins. Checked before anything reads a field.
const char *const target_schema = R"({
  "type": "object",
  "properties": {
    "scope": {"type": "string"},
    "kind": {"type": "string"},
    "ssh": {"type": "object"},
    "services": {"type": "object"},
    "dcs_members": {"type": "array", "items": {"type": "string"}},
    "members": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["name"],
        "properties": {
          "name": {"type": "string", "minLength": 1},
          "address": {"type": "string"},
          "host": {"type": "string"},
          "rest_url": {"type": "string"},
          "data_dir": {"type": "string"},
          "transport": {"type": "object"},
          "services": {"type": "object"}
        }
      }
    }
  }
})";

// Most values a target file may hold. Far beyond any cluster's description (a few hundred), and a
// bound on YAML aliases: each alias is a reference in yaml-cpp's graph but a copy here, so 511 bytes
// of nested aliases expanded to 10^9 values and never finished (found with the target-file fuzz
// harness, tests/fuzz/corpus/target_file/regression-alias-expansion.yaml). Iterating yaml-cpp's
// aliased nodes is slow (100 000 values took 0.5 s), so the bound is low.
constexpr size_t max_target_values = 10000;

// `file` names the file as the user gave it: "--target t.yml".
nlohmann::json to_json(const YAML::Node &node, int depth, const std::string &file, size_t &values) {
    if (++values > max_target_values)
        throw UsageError(file + ": more than " + std::to_string(max_target_values) +
                         " values (YAML aliases that expand?); a file describing clusters holds fewer");
    if (depth > max_json_depth)
        throw UsageError(file + ": nested deeper than " + std::to_string(max_json_depth) + " levels");
    switch (node.Type()) {
        case YAML::NodeType::Map: {
            nlohmann::json out = nlohmann::json::object();
            for (const auto &item : node) {
                if (!item.first.IsScalar())
                    throw UsageError(file + ":" + std::to_string(item.first.Mark().line + 1) +
                                     ": a key must be a plain name");
                out[item.first.Scalar()] = to_json(item.second, depth + 1, file, values);
            }
            return out;
        }
        case YAML::NodeType::Sequence: {
            nlohmann::json out = nlohmann::json::array();
            for (const auto &item : node) out.push_back(to_json(item, depth + 1, file, values));
            return out;
        }
        case YAML::NodeType::Scalar:
            // Quoted scalars stay strings; plain ones may be numbers or booleans.
            if (node.Tag() == "!") return node.Scalar();
            if (node.Scalar() == "true" || node.Scalar() == "false") return node.Scalar() == "true";
            if (auto value = try_parse_bounded_json(node.Scalar())) return *value;
            return node.Scalar();
        default:
            return nullptr;
    }
}

}  // namespace

nlohmann::json load_yaml_file(const std::string &path, const std::string &option) {
    // Opened without following links, a regular file of ours: it carries the cluster's credentials.
    std::string text = read_trusted_file(path, option, max_target_bytes);
    try {
        size_t values = 0;
        return to_json(YAML::Load(text), 0, option + " " + path, values);
    } catch (const YAML::Exception &e) {
        throw UsageError(option + " " + path + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
}

nlohmann::json load_target_file(const std::string &path) {
    nlohmann::json target = load_yaml_file(path, "--target");
    if (!target.is_object()) throw UsageError("--target " + path + ": expected a mapping at the top level");
    static const auto shape = ParamSchema::compile(nlohmann::json::parse(target_schema));
    if (auto violation = shape->first_violation(target))
        throw UsageError("--target " + path + ": " + *violation +
                         " (docs/transports.md shows a target file)");
    return target;
}

}  // namespace drillhost::cli
