#include <drillhost/core/component.hpp>
#include <drillhost/core/errors.hpp>

namespace drillhost {

const char *kind_name(dh_kind kind) {
    switch (kind) {
        case DH_KIND_DRILL:
            return "drill";
        case DH_KIND_INJECTOR:
            return "injector";
        case DH_KIND_PROBE:
            return "probe";
        default:
            return "unknown";
    }
}

const char *impact_name(dh_impact impact) {
    switch (impact) {
        case DH_IMPACT_READ_ONLY:
            return "read-only";
        case DH_IMPACT_REPLICA:
            return "replica";
        case DH_IMPACT_PLANNED:
            return "planned";
        case DH_IMPACT_PRIMARY_LOST:
            return "primary-lost";
        case DH_IMPACT_SPLIT_BRAIN:
            return "split-brain";
        default:
            return "unknown";
    }
}

const char *effect_name(dh_effect effect) {
    switch (effect) {
        case DH_EFFECT_OBSERVE:
            return "observe";
        case DH_EFFECT_ACT:
            return "act";
        case DH_EFFECT_FAULT:
            return "fault";
        default:
            return "unknown";
    }
}

const Operation *Component::operation(const std::string &name) const {
    for (const auto &op : operations)
        if (op.name == name) return &op;
    return nullptr;
}

nlohmann::json validated_params(const Component &component, const nlohmann::json &params) {
    nlohmann::json complete =
        component.validator->with_defaults(params.is_null() ? nlohmann::json::object() : params);
    if (auto violation = component.validator->first_violation(complete))
        throw UsageError(std::string(kind_name(component.kind)) + " " + component.id + ": parameter " +
                         *violation + " (see `drillhost describe " + component.id + "`)");
    return complete;
}

}  // namespace drillhost
