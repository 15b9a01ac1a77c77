// The drillhost release and the plugin ABI it implements.
#pragma once

namespace drillhost {

const char *version();  // "0.1.0"

}  // namespace drillhost
