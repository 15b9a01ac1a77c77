// A JSON Schema a plugin declares (a component's params, an operation's params or result), read the
// way the loader trusts nothing: bounded in size and depth, compiled once.
#pragma once

#include <drillhost/core/param_schema.hpp>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace drillhost {

struct DeclaredSchema {
    nlohmann::json schema;
    std::shared_ptr<const ParamSchema> validator;
};

// Longest schema text read; a longer one is refused.
constexpr size_t max_schema_bytes = 1 << 20;

// Throws std::invalid_argument with what is wrong (NULL and "" are not JSON either), e.g. "its
// parameter schema is not valid JSON (...)", `what` naming the schema.
DeclaredSchema read_declared_schema(const char *text, const std::string &what);

}  // namespace drillhost
