#include <drillhost/core/param_schema.hpp>

#include <stdexcept>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace drillhost {

struct ParamSchema::Impl {
    nlohmann::json document;
    valijson::Schema schema;
};

ParamSchema::ParamSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParamSchema::~ParamSchema() = default;

std::shared_ptr<const ParamSchema> ParamSchema::compile(const nlohmann::json &schema) {
    if (!schema.is_object())
        throw std::invalid_argument("a JSON Schema must be an object, got " + schema.dump());
    auto impl = std::make_unique<Impl>();
    impl->document = schema;
    try {
        valijson::SchemaParser parser;
        valijson::adapters::NlohmannJsonAdapter adapter(impl->document);
        parser.populateSchema(adapter, impl->schema);
    } catch (const std::exception &e) {
        throw std::invalid_argument(std::string("not a valid JSON Schema: ") + e.what());
    }
    return std::shared_ptr<const ParamSchema>(new ParamSchema(std::move(impl)));
}

// valijson names a location as {"<root>", "[key]", "[0]", ...}; users read JSON pointers.
static std::string json_pointer(const std::vector<std::string> &context) {
    std::string path;
    for (const auto &part : context) {
        if (part == "<root>") continue;
        bool bracketed = part.size() >= 2 && part.front() == '[' && part.back() == ']';
        std::string key = bracketed ? part.substr(1, part.size() - 2) : part;
        if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
        path += "/" + key;
    }
    return path.empty() ? "/" : path;
}

std::optional<std::string> ParamSchema::first_violation(const nlohmann::json &params) const {
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(params);
    if (validator.validate(impl_->schema, target, &results)) return std::nullopt;
    valijson::ValidationResults::Error error;
    if (!results.popError(error)) return std::string("/: invalid");
    return json_pointer(error.context) + ": " + error.description;
}

nlohmann::json ParamSchema::with_defaults(nlohmann::json params) const {
    const auto &document = impl_->document;
    if (!params.is_object() || !document.contains("properties") || !document["properties"].is_object())
        return params;
    for (const auto &[key, property] : document["properties"].items()) {
        if (property.is_object() && property.contains("default") && !params.contains(key))
            params[key] = property["default"];
    }
    return params;
}

nlohmann::json parse_param_value(const std::string &text) {
    auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

}  // namespace drillhost
