// Where drillhost keeps its state and finds its plugins.
#pragma once

#include <filesystem>
#include <string>

namespace drillhost {

// $DRILLHOST_STATE_DIR, else /var/lib/drillhost for root, else $XDG_STATE_HOME/drillhost
// (default ~/.local/state/drillhost).
std::filesystem::path default_state_dir();

// $DRILLHOST_PLUGIN_DIR, else <prefix>/lib/drillhost/plugins next to the running binary, else the
// directory chosen at install time.
std::filesystem::path default_plugin_dir();

}  // namespace drillhost
