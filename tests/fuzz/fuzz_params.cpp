// libFuzzer target: parameters as the host takes them from the command line or from a plugin's
// call (host_context.cpp): text parsed with the depth bound (bounded_json), then completed with the
// schema's defaults and validated against a fixed schema that uses the keywords real drills use
// (types, bounds, enum, pattern, arrays, nested objects, oneOf, additionalProperties). Text that is
// not JSON is taken as a string value, as the CLI takes a -p value. Refusals are JsonInputError and a
// violation text; anything else is a finding.
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/param_schema.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace drillhost;

namespace {

const char *const schema_text = R"json({
    "type": "object",
    "properties": {
        "request": {"enum": ["start", "stop", "verify", "run"], "default": "run"},
        "clients": {"type": "integer", "minimum": 1, "maximum": 64, "default": 2},
        "rate_hz": {"type": "number", "minimum": 0, "exclusiveMaximum": 1e6, "default": 200},
        "scope": {"type": "string", "pattern": "^[a-z0-9-]+$", "maxLength": 64, "default": "drillhost-scratch"},
        "member": {"type": "string", "minLength": 1},
        "hosts": {"type": "array", "items": {"type": "string"}, "maxItems": 16, "uniqueItems": true},
        "tags": {"type": "object", "additionalProperties": {"type": ["string", "boolean", "number"]}},
        "lag": {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+[kMG]?B$"}]},
        "check": {"$ref": "#/definitions/check"},
        "nested": {"type": "object", "properties": {"depth": {"type": "integer"}}, "required": ["depth"]}
    },
    "definitions": {"check": {"enum": ["primary", "replica", "health", "read-only"]}},
    "required": ["member"],
    "additionalProperties": false
})json";

const ParamSchema &schema() {
    static const auto compiled = ParamSchema::compile(nlohmann::json::parse(schema_text));
    return *compiled;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    // The text as printed in messages is valid UTF-8, whatever the bytes.
    (void)nlohmann::json(valid_utf8(text)).dump();

    auto maybe = try_parse_bounded_json(text);
    nlohmann::json params;
    try {
        params = parse_bounded_json(text, "--param fuzz");
        if (!maybe || *maybe != params) std::abort();  // the two entry points agree
    } catch (const JsonInputError &e) {
        if (maybe) std::abort();
        (void)nlohmann::json(std::string(e.what())).dump();  // the message itself is valid UTF-8
        // As `-p member=<text>` and `-p scope=<text>`: a value that is not JSON is taken as a string
        // of whatever bytes it has (cli/probe_command.cpp, parse_cli_value).
        if (std::string_view(e.what()).find("nested deeper") != std::string_view::npos) return 0;
        params = {{"member", std::string(text)}, {"scope", std::string(text)}};
    }
    (void)dump_json(params, 2);
    auto complete = schema().with_defaults(params);
    if (auto violation = schema().first_violation(complete))
        (void)nlohmann::json(valid_utf8(*violation)).dump();
    else
        (void)dump_json(complete);
    return 0;
}
