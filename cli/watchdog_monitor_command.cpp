#include <pwd.h>
#include <drillhost/sandbox/sandbox_state.hpp>

#include <filesystem>

#include <drillhost/sandbox/watchdog_monitor.hpp>
#include "sandbox_command.hpp"

namespace drillhost::cli {

int run_watchdog_monitor_command(const GlobalOptions &global, const std::string &member) {
    auto state = sandbox::load_state(global.state_dir);
    if (!state) throw UsageError("watchdog-monitor: no sandbox state in " + global.state_dir.string());
    const auto &m = state->member(member);
    sandbox::WatchdogMonitorOptions options;
    options.fifo = m.watchdog_fifo();
    options.patroni_pid_file = m.dir / "patroni.pid";
    options.data_dir = m.data_dir();
    options.events_file = m.dir / "watchdog.events.jsonl";
    options.member = m.name;
    if (struct passwd *postgres = ::getpwnam("postgres"); postgres && ::geteuid() == 0) {
        options.fifo_owner = postgres->pw_uid;
        options.fifo_group = postgres->pw_gid;
    }
    // No orphan monitors: when `sandbox down` removes the sandbox, the monitor ends too.
    auto state_path = sandbox::state_file(global.state_dir);
    options.should_stop = [state_path] { return !std::filesystem::exists(state_path); };
    sandbox::run_watchdog_monitor(options);
    return 0;
}

}  // namespace drillhost::cli
