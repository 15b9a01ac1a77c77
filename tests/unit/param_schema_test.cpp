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
