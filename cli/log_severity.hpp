// A plugin's or the engine's severity (dh_severity) as the spdlog level the CLI prints it at.
#pragma once

#include <drillhost/plugin_api.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace drillhost::cli {

inline spdlog::level::level_enum spdlog_level(dh_severity severity) {
    static const spdlog::level::level_enum levels[] = {spdlog::level::debug, spdlog::level::info,
                                                       spdlog::level::warn, spdlog::level::err};
    return levels[std::clamp(static_cast<int>(severity), 0, 3)];
}

}  // namespace drillhost::cli
