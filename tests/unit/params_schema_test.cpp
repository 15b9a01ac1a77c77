// dh::params_schema: a component's own properties and shared groups joined at compile time into one
// JSON Schema the host can compile, with every property once and additionalProperties false.
#include <doctest/doctest.h>
#include <drillhost/core/param_schema.hpp>
#include <drillhost/sdk/params_schema.hpp>

#include <nlohmann/json.hpp>

namespace dh = drillhost::sdk;
using nlohmann::json;

namespace {

constexpr dh::Properties shared{R"json(
    "rate_hz": {"type": "number", "minimum": 1, "default": 200},
    "settle_s": {"type": "number", "minimum": 0, "default": 2}
)json"};
constexpr dh::Properties own{R"json("member": {"type": "string"})json"};
constexpr dh::Properties nothing{R"json(   )json"};

}  // namespace

TEST_CASE("params_schema joins groups into one object schema that refuses unknown parameters") {
    json joined = json::parse(dh::params_schema<own, shared>);
    CHECK(joined["type"] == "object");
    CHECK(joined["additionalProperties"] == false);
    CHECK(joined["properties"].size() == 3);
    CHECK(joined["properties"]["rate_hz"]["default"] == 200);
    CHECK(joined["properties"]["member"]["type"] == "string");

    // An empty group adds nothing and leaves no stray comma, first or last.
    CHECK(json::parse(dh::params_schema<nothing, shared>)["properties"].size() == 2);
    CHECK(json::parse(dh::params_schema<shared, nothing>)["properties"].size() == 2);
    CHECK(json::parse(dh::params_schema<nothing>)["properties"].empty());

    // The host's own validator compiles it, fills the shared defaults in and refuses a typo.
    auto schema = drillhost::ParamSchema::compile(joined);
    json complete = schema->with_defaults({{"member", "pg-2"}});
    CHECK(complete["settle_s"] == 2);
    CHECK_FALSE(schema->first_violation(complete));
    CHECK(schema->first_violation(json{{"rate_hz", 10}, {"setle_s", 1}}));
}
