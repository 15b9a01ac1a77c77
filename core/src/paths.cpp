#include <drillhost/core/paths.hpp>

#include <unistd.h>

#include <cstdlib>

#ifndef DRILLHOST_RELATIVE_PLUGIN_DIR
#define DRILLHOST_RELATIVE_PLUGIN_DIR "lib/drillhost/plugins"
#endif
#ifndef DRILLHOST_INSTALL_PLUGIN_DIR
#define DRILLHOST_INSTALL_PLUGIN_DIR "/usr/local/lib/drillhost/plugins"
#endif

namespace drillhost {
namespace fs = std::filesystem;

fs::path default_state_dir() {
    if (const char *dir = std::getenv("DRILLHOST_STATE_DIR"); dir && *dir) return dir;
    if (::geteuid() == 0) return "/var/lib/drillhost";
    if (const char *xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return fs::path(xdg) / "drillhost";
    const char *home = std::getenv("HOME");
    return fs::path(home && *home ? home : "/tmp") / ".local/state/drillhost";
}

fs::path default_plugin_dir() {
    if (const char *dir = std::getenv("DRILLHOST_PLUGIN_DIR"); dir && *dir) return dir;
    std::error_code ec;
    // A relocated install: <prefix>/bin/drillhost next to <prefix>/lib/drillhost/plugins.
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        fs::path beside = self.parent_path().parent_path() / DRILLHOST_RELATIVE_PLUGIN_DIR;
        if (fs::is_directory(beside, ec)) return beside;
    }
    return DRILLHOST_INSTALL_PLUGIN_DIR;
}

}  // namespace drillhost
