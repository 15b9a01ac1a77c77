#include <drillhost/core/bounded_json.hpp>

namespace drillhost {
namespace {

// Thrown from the parser callback to stop at the first level too deep; never escapes this file.
struct TooDeep {};

nlohmann::json parse_with_limit(std::string_view text) {
    // nlohmann's parser itself is iterative; the callback stops it before it builds a value whose
    // destructor or dump() would recurse that deep.
    return nlohmann::json::parse(text, [](int depth, nlohmann::json::parse_event_t, nlohmann::json &) {
        if (depth >= max_json_depth) throw TooDeep{};  // depth counts from 0 at the top level
        return true;
    });
}

}  // namespace

nlohmann::json parse_bounded_json(std::string_view text, const std::string &what) {
    try {
        return parse_with_limit(text);
    } catch (const TooDeep &) {
        throw JsonInputError(what + ": JSON nested deeper than " + std::to_string(max_json_depth) +
                             " levels");
    } catch (const nlohmann::json::exception &e) {
        // e.what() carries nlohmann's "[json.exception.parse_error.101] " prefix; keep the reason.
        std::string reason = e.what();
        if (auto end = reason.find("] ");
            reason.rfind("[json.exception.", 0) == 0 && end != std::string::npos)
            reason = reason.substr(end + 2);
        throw JsonInputError(what + ": not valid JSON: " + valid_utf8(reason));
    }
}

std::optional<nlohmann::json> try_parse_bounded_json(std::string_view text) {
    try {
        return parse_with_limit(text);
    } catch (const TooDeep &) {
        return std::nullopt;
    } catch (const nlohmann::json::exception &) {
        return std::nullopt;
    }
}

std::string dump_json(const nlohmann::json &value, int indent) {
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string valid_utf8(std::string_view text) {
    // nlohmann's serializer already knows UTF-8; let it do the replacing. Only a string that needs it
    // pays for the round trip.
    nlohmann::json as_json = std::string(text);
    try {
        (void)as_json.dump();
        return std::string(text);
    } catch (const nlohmann::json::type_error &) {
    }
    return nlohmann::json::parse(dump_json(as_json)).get<std::string>();
}

}  // namespace drillhost
