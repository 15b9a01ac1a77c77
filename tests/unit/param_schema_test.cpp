#include <doctest/doctest.h>
#include <drillhost/core/param_schema.hpp>

using drillhost::ParamSchema;
using nlohmann::json;

static const json schema = json::parse(R"({
    "type": "object",
    "properties": {
        "member": {"type": "string"},
        "hold_ms": {"type": "integer", "minimum": 0, "default": 1000},
        "peers": {"type": "array", "items": {"type": "string"}}
    },
    "required": ["member"],
    "additionalProperties": false
})");

TEST_CASE("valid parameters pass") {
    auto compiled = ParamSchema::compile(schema);
    CHECK_FALSE(compiled->first_violation({{"member", "pg-1"}, {"hold_ms", 5}}).has_value());
}

TEST_CASE("the first violation names its JSON path") {
    auto compiled = ParamSchema::compile(schema);
    auto negative = compiled->first_violation({{"member", "pg-1"}, {"hold_ms", -1}});
    REQUIRE(negative.has_value());
    CHECK(negative->rfind("/hold_ms: ", 0) == 0);

    auto nested = compiled->first_violation({{"member", "pg-1"}, {"peers", {"a", 7}}});
    REQUIRE(nested.has_value());
    CHECK(nested->rfind("/peers/1: ", 0) == 0);

    auto missing = compiled->first_violation(json::object());
    REQUIRE(missing.has_value());
    CHECK(missing->find("member") != std::string::npos);
}

TEST_CASE("defaults fill only what is missing") {
    auto compiled = ParamSchema::compile(schema);
    CHECK(compiled->with_defaults({{"member", "a"}})["hold_ms"] == 1000);
    CHECK(compiled->with_defaults({{"member", "a"}, {"hold_ms", 3}})["hold_ms"] == 3);
}

TEST_CASE("an unusable schema is refused with a reason") {
    CHECK_THROWS_AS(ParamSchema::compile(json::parse(R"({"type": 5})")), std::invalid_argument);
    CHECK_THROWS_AS(ParamSchema::compile(json::array()), std::invalid_argument);
}

TEST_CASE("--param values are JSON when they parse, else strings") {
    CHECK(drillhost::parse_param_value("42") == 42);
    CHECK(drillhost::parse_param_value("true") == true);
    CHECK(drillhost::parse_param_value("[\"a\"]") == json::array({"a"}));
    CHECK(drillhost::parse_param_value("pg-1") == "pg-1");
}

// ---- Issue 13: schemas are bounded before valijson sees them ----

static std::string compile_error(const json &schema) {
    try {
        ParamSchema::compile(schema);
        return "";
    } catch (const std::invalid_argument &e) {
        return e.what();
    }
}

static bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

TEST_CASE("a $ref to the schema itself or to a schema containing it is refused") {
    std::string root = compile_error(json::parse(R"({"$ref": "#"})"));
    CHECK_MESSAGE(has(root, "$ref \"#\" at / "), root);
    CHECK_MESSAGE(has(root, "recursive"), root);

    std::string inside =
        compile_error(json::parse(R"({"type": "object", "properties": {"a": {"$ref": "#"}}})"));
    CHECK_MESSAGE(has(inside, "$ref \"#\" at /properties/a "), inside);

    std::string ancestor = compile_error(json::parse(R"({
        "definitions": {"node": {"type": "object", "properties": {"child": {"$ref": "#/definitions/node"}}}},
        "$ref": "#/definitions/node"})"));
    CHECK_MESSAGE(has(ancestor, "$ref \"#/definitions/node\" at /definitions/node/properties/child"),
                  ancestor);
}

TEST_CASE("a $ref cycle through other refs is refused") {
    std::string cycle = compile_error(json::parse(R"({
        "properties": {"a": {"$ref": "#/definitions/x"}},
        "definitions": {"x": {"$ref": "#/definitions/y"}, "y": {"allOf": [{"$ref": "#/definitions/x"}]}}})"));
    CHECK_MESSAGE(has(cycle, "recursive"), cycle);
    CHECK_MESSAGE(has(cycle, "#/definitions/"), cycle);
}

TEST_CASE("a $ref to another document, an anchor or nothing is refused") {
    CHECK(has(compile_error(json::parse(R"({"$ref": "http://example.com/schema.json"})")),
              "\"http://example.com/schema.json\" at /: only references inside the schema"));
    CHECK(has(compile_error(json::parse(R"({"properties": {"a": {"$ref": "other.json#/x"}}})")),
              "only references inside the schema"));
    CHECK(has(compile_error(json::parse(R"({"properties": {"a": {"$ref": "#/definitions/missing"}}})")),
              "\"#/definitions/missing\" at /properties/a: it points at nothing"));
    CHECK(has(compile_error(json::parse(R"({"properties": {"a": {"$ref": 5}}})")),
              "/properties/a: $ref must be"));
}

TEST_CASE("shared definitions still work through $ref") {
    auto compiled = ParamSchema::compile(json::parse(R"({
        "type": "object",
        "definitions": {"port": {"type": "integer", "minimum": 1}, "ports": {"type": "array", "items": {"$ref": "#/definitions/port"}}},
        "properties": {"a": {"$ref": "#/definitions/port"}, "b": {"$ref": "#/definitions/ports"}}})"));
    CHECK_FALSE(compiled->first_violation({{"a", 5}, {"b", {1, 2}}}).has_value());
    CHECK(compiled->first_violation({{"a", 0}}).has_value());
    CHECK(compiled->first_violation({{"b", {1, "x"}}}).has_value());
}

TEST_CASE("a schema nested deeper than 64 levels is refused before it is walked") {
    json deep = json::object();
    for (int i = 0; i < 10000; ++i) deep = json{{"properties", {{"a", std::move(deep)}}}};
    std::string message = compile_error(deep);
    CHECK_MESSAGE(has(message, "nested deeper than 64 levels"), message);

    // A long chain of $refs nests schemas just as deep.
    json chain = {{"$ref", "#/definitions/d0"}};
    for (int i = 0; i < 500; ++i)
        chain["definitions"]["d" + std::to_string(i)] = {{"$ref", "#/definitions/d" + std::to_string(i + 1)}};
    chain["definitions"]["d500"] = {{"type", "integer"}};
    message = compile_error(chain);
    CHECK_MESSAGE(has(message, "more than 128 levels"), message);
}

TEST_CASE("regular expressions in a schema are compiled when it is, and a bad one is named") {
    std::string bad =
        compile_error(json::parse(R"({"properties": {"member": {"type": "string", "pattern": "pg-[0-9"}}})"));
    CHECK_MESSAGE(has(bad, "\"pg-[0-9\" at /properties/member/pattern is not a valid regular expression"),
                  bad);

    std::string key = compile_error(json::parse(R"({"patternProperties": {"(a": {"type": "string"}}})"));
    CHECK_MESSAGE(has(key, "\"(a\" at /patternProperties is not a valid regular expression"), key);

    std::string long_pattern =
        compile_error(json{{"properties", {{"a", {{"pattern", std::string(2000, 'a')}}}}}});
    CHECK_MESSAGE(has(long_pattern, "/properties/a/pattern is 2000 bytes, at most 1024"), long_pattern);

    auto compiled = ParamSchema::compile(
        json::parse(R"({"properties": {"member": {"type": "string", "pattern": "^pg-[0-9]+$"}},
                                                         "patternProperties": {"^x-": {"type": "integer"}}})"));
    CHECK_FALSE(compiled->first_violation({{"member", "pg-12"}, {"x-a", 1}}).has_value());
    CHECK(compiled->first_violation({{"member", "db-1"}}).has_value());
    CHECK(compiled->first_violation({{"x-a", "one"}}).has_value());
}
