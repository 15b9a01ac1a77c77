#include <drillhost/core/version.hpp>

#ifndef DRILLHOST_VERSION
#define DRILLHOST_VERSION "0.0.0"
#endif

namespace drillhost {

const char *version() {
    return DRILLHOST_VERSION;
}

}  // namespace drillhost
