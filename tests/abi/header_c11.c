/* Compiled as C11 with -Wall -Wextra -pedantic -Werror: the ABI header is pure C. */
#include <drillhost/plugin_api.h>

const dh_plugin *drillhost_abi_check_c(void);
const dh_plugin *drillhost_abi_check_c(void) {
    return (const dh_plugin *)0;
}
