#include "declared_schema.hpp"

#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>

namespace drillhost {

DeclaredSchema read_declared_schema(const char *text_in, const std::string &what) {
    std::string_view text;
    if (text_in != nullptr && *text_in != '\0')
        text = std::string_view(text_in, ::strnlen(text_in, max_schema_bytes + 1));
    if (text.size() > max_schema_bytes)
        throw std::invalid_argument(what + " is unusable: it is over " + std::to_string(max_schema_bytes) +
                                    " bytes");
    DeclaredSchema out;
    try {
        out.schema = parse_bounded_json(text, what);
    } catch (const JsonInputError &e) {
        // Well-formed JSON refused by the parser is too deep; anything else is not JSON at all.
        if (!text.empty() && nlohmann::json::accept(text))
            throw std::invalid_argument(what + " is unusable: JSON nested deeper than " +
                                        std::to_string(max_json_depth) + " levels");
        std::string detail = e.what();
        std::string prefix = what + ": not valid JSON: ";
        if (detail.rfind(prefix, 0) == 0) detail = detail.substr(prefix.size());
        throw std::invalid_argument(what + " is not valid JSON (" + detail + ")");
    }
    // Compiled once per distinct schema: operations share them (patroni-rest's 14 operations have 12
    // distinct schemas, many plugins declare {"type":"object"}), and every worker process loads every
    // plugin again before its drill, so each compile counts toward the per-drill cost.
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const ParamSchema>, std::less<>> compiled;
    {
        std::lock_guard lock(mutex);
        if (auto it = compiled.find(text); it != compiled.end()) {
            out.validator = it->second;
            return out;
        }
    }
    try {
        out.validator = ParamSchema::compile(out.schema);
    } catch (const std::invalid_argument &e) {
        throw std::invalid_argument(what + " is unusable: " + e.what());
    }
    std::lock_guard lock(mutex);
    compiled.emplace(std::string(text), out.validator);
    return out;
}

}  // namespace drillhost
