#include <drillhost/core/recovery.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace drillhost::cli {

int recover_command(const GlobalOptions &global) {
    Registry registry;
    load_registry(global, registry);
    auto report = recover(registry, global.state_dir, [](dh_severity severity, const std::string &message) {
        static const spdlog::level::level_enum levels[] = {spdlog::level::debug, spdlog::level::info,
                                                           spdlog::level::warn, spdlog::level::err};
        spdlog::log(levels[std::clamp(severity, 0, 3)], "{}", message);
    });
    if (global.format == Format::json) {
        nlohmann::json failures = nlohmann::json::array();
        for (const auto &f : report.failures)
            failures.push_back({{"fault", f.fault}, {"injector", f.injector}, {"error", f.error}});
        std::cout << nlohmann::json{{"ledgers", report.ledgers_seen},
                                    {"busy", report.ledgers_busy},
                                    {"reverted", report.reverted},
                                    {"failed", failures}}
                         .dump(2)
                  << '\n';
    } else {
        std::cout << "recover: " << report.reverted << " fault(s) reverted, " << report.failures.size()
                  << " still open, " << report.ledgers_busy << " live run(s) left alone ("
                  << (global.state_dir / "ledger").string() << ")\n";
    }
    return report.clean() ? static_cast<int>(ExitCode::passed) : static_cast<int>(ExitCode::infrastructure);
}

}  // namespace drillhost::cli
