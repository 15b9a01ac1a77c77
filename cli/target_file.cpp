#include "target_file.hpp"

#include <yaml-cpp/yaml.h>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/param_schema.hpp>

#include <filesystem>

namespace drillhost::cli {

static nlohmann::json to_json(const YAML::Node &node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: {
            nlohmann::json out = nlohmann::json::object();
            for (const auto &item : node) out[item.first.as<std::string>()] = to_json(item.second);
            return out;
        }
        case YAML::NodeType::Sequence: {
            nlohmann::json out = nlohmann::json::array();
            for (const auto &item : node) out.push_back(to_json(item));
            return out;
        }
        case YAML::NodeType::Scalar:
            // Quoted scalars stay strings; plain ones may be numbers or booleans.
            if (node.Tag() == "!") return node.Scalar();
            if (node.Scalar() == "true" || node.Scalar() == "false") return node.Scalar() == "true";
            return parse_param_value(node.Scalar());
        default:
            return nullptr;
    }
}

nlohmann::json load_target_file(const std::string &path) {
    if (!std::filesystem::exists(path)) throw UsageError("--target " + path + ": no such file");
    try {
        auto target = to_json(YAML::LoadFile(path));
        if (!target.is_object())
            throw UsageError("--target " + path + ": expected a mapping at the top level");
        return target;
    } catch (const YAML::Exception &e) {
        throw UsageError("--target " + path + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
}

}  // namespace drillhost::cli
