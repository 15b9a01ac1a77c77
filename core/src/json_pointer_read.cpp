#include "json_pointer_read.hpp"

#include <drillhost/core/bounded_json.hpp>

namespace drillhost {

JsonPointerRead read_json_pointer(const char *json, const char *pointer, const char *want,
                                  bool (*accepts)(const nlohmann::json &)) {
    JsonPointerRead read;
    auto fail = [&](dh_status status, const std::string &error) {
        read.status = status;
        read.error = valid_utf8(error);
        return read;
    };
    if (json == nullptr || pointer == nullptr)
        return fail(DH_ERR_INVALID_ARGUMENT, "json and pointer must not be NULL");
    auto parsed = try_parse_bounded_json(json);
    if (!parsed)
        return fail(DH_ERR_INVALID_ARGUMENT, "the text is not JSON, or nests deeper than " +
                                                 std::to_string(max_json_depth) + " levels");
    const nlohmann::json &document = *parsed;
    nlohmann::json::json_pointer where;
    try {
        where = nlohmann::json::json_pointer(pointer);
    } catch (const nlohmann::json::exception &) {
        return fail(
            DH_ERR_INVALID_ARGUMENT,
            std::string("\"") + pointer + "\" is not a JSON pointer (RFC 6901, e.g. \"/members/0/name\")");
    }
    const nlohmann::json *found = nullptr;
    try {
        if (document.contains(where)) found = &document.at(where);
    } catch (const nlohmann::json::exception &) {
        found = nullptr;  // an array index that is not a number: nothing there
    }
    if (found == nullptr)
        return fail(DH_ERR_NOT_FOUND, std::string("nothing at ") + (*pointer ? pointer : "\"\""));
    if (!accepts(*found))
        return fail(DH_ERR_INVALID_ARGUMENT, std::string(*pointer ? pointer : "the document") + " is " +
                                                 found->type_name() + ", not " + want);
    read.value = *found;
    return read;
}

}  // namespace drillhost
