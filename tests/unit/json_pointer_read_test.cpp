// The host's JSON helpers for plain-C plugins (dh_host.json_string, json_number, json_bool,
// json_length) read one value by JSON pointer; every way a read can fail has its own status.
#include <doctest/doctest.h>

#include "json_pointer_read.hpp"
#include "test_text.hpp"

using namespace drillhost;

namespace {

bool any(const nlohmann::json &) {
    return true;
}
bool number(const nlohmann::json &v) {
    return v.is_number();
}

}  // namespace

TEST_CASE("a JSON pointer reads a field, an element, or the whole document") {
    const char *text = R"({"members": [{"name": "pg-1", "lag": 0.5}], "paused": true, "a/b": 1})";
    auto name = read_json_pointer(text, "/members/0/name", "a string", any);
    REQUIRE(name.status == DH_OK);
    CHECK(name.value == "pg-1");
    CHECK(read_json_pointer(text, "/members/0/lag", "a number", number).value == 0.5);
    CHECK(read_json_pointer(text, "/a~1b", "a number", number).value == 1);  // RFC 6901 escaping
    CHECK(read_json_pointer(text, "", "anything", any).value.is_object());
}

TEST_CASE("absent is not found, a wrong type, bad JSON or a bad pointer is an invalid argument, named") {
    const char *text = R"({"members": [{"name": "pg-1"}]})";
    auto absent = read_json_pointer(text, "/members/3/name", "a string", any);
    CHECK(absent.status == DH_ERR_NOT_FOUND);
    CHECK(contains(absent.error, "/members/3/name"));
    CHECK(read_json_pointer(text, "/members/x", "a string", any).status == DH_ERR_NOT_FOUND);
    auto wrong = read_json_pointer(text, "/members/0/name", "a number", number);
    CHECK(wrong.status == DH_ERR_INVALID_ARGUMENT);
    CHECK(contains(wrong.error, "is string, not a number"));
    auto pointer = read_json_pointer(text, "members", "a string", any);
    CHECK(pointer.status == DH_ERR_INVALID_ARGUMENT);
    CHECK(contains(pointer.error, "is not a JSON pointer"));
    CHECK(read_json_pointer("{not json", "/a", "a string", any).status == DH_ERR_INVALID_ARGUMENT);
    CHECK(read_json_pointer(nullptr, "/a", "a string", any).status == DH_ERR_INVALID_ARGUMENT);
    std::string deep(100, '[');
    CHECK(read_json_pointer(deep.c_str(), "", "anything", any).status == DH_ERR_INVALID_ARGUMENT);
}
