// Found by the target-file fuzzer (tests/fuzz/fuzz_target_file.cpp): a string of invalid UTF-8 (a
// YAML target file's member name, or a -p value that is not JSON) checked against minLength or
// maxLength made valijson read past its UTF-8 decoding table (AddressSanitizer/UBSan: index 28 out
// of bounds for 'const uint32_t[6]'). ParamSchema now refuses such strings and keys first.
#include <doctest/doctest.h>
#include <drillhost/core/param_schema.hpp>

#include <string>

using drillhost::ParamSchema;
using nlohmann::json;

namespace {

const std::string invalid = "pg-1" + std::string(28, '\xa5');

std::shared_ptr<const ParamSchema> members_schema() {
    return ParamSchema::compile(json::parse(R"({
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 8},
            "members": {"type": "array", "items": {"type": "object",
                        "properties": {"name": {"type": "string", "minLength": 1}}}}
        }
    })"));
}

}  // namespace

TEST_CASE("a string of invalid UTF-8 is a violation naming where it is, before any length check") {
    auto schema = members_schema();
    CHECK(schema->first_violation({{"name", invalid}}) == "/name: not valid UTF-8");
    CHECK(schema->first_violation({{"members", {{{"name", "ok"}}, {{"name", invalid}}}}}) ==
          "/members/1/name: not valid UTF-8");
    CHECK(schema->first_violation(json(invalid)) == "/: not valid UTF-8");
    CHECK(schema->first_violation({{"other", {"fine", invalid}}}) == "/other/1: not valid UTF-8");
}

TEST_CASE("a key of invalid UTF-8 is a violation, valid multi-byte text is counted in characters") {
    auto schema = members_schema();
    CHECK(schema->first_violation({{std::string("k\xff"), 1}}) == "/k\xef\xbf\xbd: not valid UTF-8");
    CHECK_FALSE(schema->first_violation({{"name", "\xc3\xa9t\xc3\xa9"}}));  // "été": 3 characters
    CHECK(schema
              ->first_violation(
                  {{"name", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}})
              ->find("/name") == 0);  // 9 characters: too long
}
