#include <drillhost/core/component.hpp>

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

}  // namespace drillhost
