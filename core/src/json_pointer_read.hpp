// The host's JSON helpers for plugins without a JSON library (dh_host.json_string, json_number,
// json_bool, json_length): one value of a JSON text, found by JSON pointer (RFC 6901).
#pragma once

#include <drillhost/plugin_api.h>

#include <nlohmann/json.hpp>
#include <string>

namespace drillhost {

struct JsonPointerRead {
    dh_status status = DH_OK;
    std::string error;     // when status is not DH_OK: what was wrong, naming the pointer
    nlohmann::json value;  // when DH_OK: the value found
};

// Parses `json` (bounded like every text from a plugin) and finds `pointer` in it. `want` is the
// type asked for ("string", "number", "boolean", "array or object"), checked by `accepts`.
JsonPointerRead read_json_pointer(const char *json, const char *pointer, const char *want,
                                  bool (*accepts)(const nlohmann::json &));

}  // namespace drillhost
