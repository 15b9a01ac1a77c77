// Parsing and writing JSON that comes from outside: depth bound, invalid UTF-8.
#include <doctest/doctest.h>
#include <drillhost/core/bounded_json.hpp>

using namespace drillhost;

TEST_CASE("bounded JSON: 60 000 nested arrays are refused, not a crash") {
    std::string deep(60000, '[');
    deep += std::string(60000, ']');
    CHECK_FALSE(try_parse_bounded_json(deep).has_value());
    try {
        parse_bounded_json(deep, "-p x");
        FAIL("a 60 000-deep value was accepted");
    } catch (const JsonInputError &e) {
        CHECK(std::string(e.what()) == "-p x: JSON nested deeper than 64 levels");
    }
}

TEST_CASE("bounded JSON: the limit is 64 levels, and ordinary documents pass") {
    auto nested = [](int levels) { return std::string(levels, '[') + std::string(levels, ']'); };
    CHECK(try_parse_bounded_json(nested(64)).has_value());
    CHECK_FALSE(try_parse_bounded_json(nested(65)).has_value());
    auto doc = parse_bounded_json(R"({"members":[{"name":"pg-1","tags":{"a":[1,2,{"b":null}]}}]})", "reply");
    CHECK(doc["members"][0]["tags"]["a"][2].contains("b"));
}

TEST_CASE("bounded JSON: malformed text names its source and the reason") {
    try {
        parse_bounded_json("{\"a\":", "ledger.jsonl:3");
        FAIL("accepted");
    } catch (const JsonInputError &e) {
        std::string what = e.what();
        CHECK(what.rfind("ledger.jsonl:3: not valid JSON: ", 0) == 0);
        CHECK(what.find("[json.exception") == std::string::npos);
    }
}

TEST_CASE("invalid UTF-8 is replaced, never thrown") {
    std::string bad = "ok \xff\xfe end \xc3";
    CHECK_THROWS(nlohmann::json(bad).dump());  // what nlohmann does by default: the bug this guards
    std::string fixed = valid_utf8(bad);
    CHECK(fixed == "ok \xEF\xBF\xBD\xEF\xBF\xBD end \xEF\xBF\xBD");
    CHECK(valid_utf8("grüße \n\t") == "grüße \n\t");
    CHECK(dump_json(nlohmann::json{{"m", bad}}) ==
          "{\"m\":\"ok \xEF\xBF\xBD\xEF\xBF\xBD end \xEF\xBF\xBD\"}");
}
