// Parameter validation: a component's JSON Schema, compiled once, checked before the plugin runs.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace drillhost {

// Longest "pattern" (or "patternProperties" key) a schema may hold.
constexpr size_t max_schema_pattern_bytes = 1024;

class ParamSchema {
  public:
    // Compiles a JSON Schema (draft 7). Throws std::invalid_argument saying what is wrong with it.
    // Bounded before valijson sees it (docs/abi.md, "What the loader validates"): nesting at most
    // max_json_depth levels of JSON and 128 levels of schemas (each $ref followed counts); only
    // local $refs ("#/..."), none leading back to a schema on the way to it (no recursive schemas);
    // every "pattern" and "patternProperties" key compiles as an ECMAScript std::regex and is at
    // most max_schema_pattern_bytes long.
    static std::shared_ptr<const ParamSchema> compile(const nlohmann::json &schema);
    ~ParamSchema();

    // The first violation as "<json path>: <reason>", e.g. "/hold_ms: Value is less than 0",
    // or nullopt when `params` is valid.
    std::optional<std::string> first_violation(const nlohmann::json &params) const;

    // `params` with every top-level property the schema gives a "default" and `params` lacks.
    nlohmann::json with_defaults(nlohmann::json params) const;

  private:
    struct Impl;
    explicit ParamSchema(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Parses "--param" style text: JSON when it parses as JSON, else the text as a string.
nlohmann::json parse_param_value(const std::string &text);

}  // namespace drillhost
