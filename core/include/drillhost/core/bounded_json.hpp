// JSON from outside the host (plugins, servers, files, the command line) is parsed with a depth
// limit and written with invalid UTF-8 replaced, so a hostile byte string can neither exhaust the
// stack (nlohmann's dump recurses) nor abort a dump (invalid UTF-8 throws by default).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace drillhost {

// Deepest nesting accepted anywhere drillhost parses JSON (docs/cli.md, "Limits").
constexpr int max_json_depth = 64;

// Thrown for text that is not JSON or nests deeper than max_json_depth; what() says which and where.
class JsonInputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Parses `text`; throws JsonInputError ("<what>: nested deeper than 64 levels", or the parse error).
nlohmann::json parse_bounded_json(std::string_view text, const std::string &what);

// The same, but nullopt for malformed or too deep text.
std::optional<nlohmann::json> try_parse_bounded_json(std::string_view text);

// dump() that never throws on invalid UTF-8 (bytes are replaced with U+FFFD).
std::string dump_json(const nlohmann::json &value, int indent = -1);

// `text` with every invalid UTF-8 sequence replaced with U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace drillhost
