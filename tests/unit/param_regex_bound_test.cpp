// Found running long inputs through the params fuzz harness (tests/fuzz/fuzz_params.cpp): libstdc++'s
// std::regex recurses once per character, so `drillhost inject scratch-cluster -p scope=<30 000
// letters>` overflowed the stack matching "^[a-z0-9-]+$" (SIGSEGV). A schema that matches regexes
// ("pattern", "patternProperties", "format") now refuses strings and keys over 4096 bytes first.
#include <doctest/doctest.h>
#include <drillhost/core/param_schema.hpp>

#include <string>

using drillhost::ParamSchema;
using nlohmann::json;

TEST_CASE("a 200 000-byte string against a pattern is a violation, not a stack overflow") {
    auto schema = ParamSchema::compile(json::parse(R"({
        "type": "object",
        "properties": {"scope": {"type": "string", "pattern": "^[a-z0-9-]+$"}, "note": {"type": "string"}}
    })"));
    CHECK(schema->first_violation({{"scope", std::string(200000, 'a')}}) ==
          "/scope: a string of 200000 bytes, at most 4096 where the schema matches patterns");
    // Every string of such a schema: the check does not follow the schema to the pattern.
    CHECK(schema->first_violation({{"note", std::string(4097, 'a')}})->find("/note: a string of 4097") == 0);
    CHECK_FALSE(schema->first_violation({{"scope", std::string(4096, 'a')}}));
}

TEST_CASE("patternProperties bound the keys, format the strings, a schema without regexes bounds nothing") {
    auto keys = ParamSchema::compile(json::parse(R"({"patternProperties": {"^x-": {"type": "string"}}})"));
    CHECK(keys->first_violation({{std::string(5000, 'x'), "v"}})->find(": a key of 5000 bytes") !=
          std::string::npos);
    auto dates =
        ParamSchema::compile(json::parse(R"({"properties": {"at": {"type": "string", "format": "date"}}})"));
    CHECK(dates->first_violation({{"at", std::string(100000, '1')}})->find("/at: a string of 100000") == 0);
    auto plain = ParamSchema::compile(json::parse(R"({"properties": {"script": {"type": "string"}}})"));
    CHECK_FALSE(plain->first_violation({{"script", std::string(200000, 'a')}}));
}
