#include "run_progress.hpp"

#include <spdlog/spdlog.h>

namespace drillhost::cli {
namespace {

std::string fault_text(const nlohmann::json &entry) {
    std::string injector = entry.value("injector", "");
    if (auto dot = injector.rfind('.'); dot != std::string::npos) injector = injector.substr(dot + 1);
    const auto &params = entry.value("params", nlohmann::json::object());
    return injector + (params.empty() ? "" : " " + params.dump());
}

}  // namespace

void RunProgress::on_entry(const nlohmann::json &entry) {
    std::string type = entry.value("type", "");
    double now = entry.value("mono_ms", 0.0);
    if (type == "drill.start") drill_started_ms_ = now;
    std::string drill = entry.value("drill", "");
    if (drill.empty()) return;
    if (auto dot = drill.rfind(".drill."); dot != std::string::npos) drill = drill.substr(dot + 7);
    std::string line;
    if (type == "event" && entry.value("name", "") == "phase")
        line = entry["details"].value("phase", "");
    else if (type == "fault.injected")
        line = "fault in: " + fault_text(entry);
    else if (type == "fault.reverted")
        line = "fault reverted: " + fault_text(entry) + " (by the " + entry.value("by", "") + ")";
    else if (type == "fault.revert_failed" || type == "fault.inject_failed")
        line = type + ": " + fault_text(entry) + ": " + entry.value("error", "");
    else
        return;  // verdicts reach the console through the log already
    spdlog::info("[{}/{} {} +{:.1f} s] {}", index_.load(), total_, drill, (now - drill_started_ms_) / 1000.0,
                 line);
}

}  // namespace drillhost::cli
