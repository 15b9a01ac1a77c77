// Compiled as C++20 with -Wall -Wextra -pedantic -Werror: the ABI header is usable from C++.
#include <drillhost/plugin_api.h>

static_assert(sizeof(dh_status) == 4 && sizeof(dh_kind) == 4, "fixed-width ABI types");

const dh_plugin *drillhost_abi_check_cxx();
const dh_plugin *drillhost_abi_check_cxx() {
    return nullptr;
}
