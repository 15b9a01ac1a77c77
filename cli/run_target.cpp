#include "run_target.hpp"

#include <spdlog/spdlog.h>
#include <drillhost/sandbox/sandbox.hpp>

#include "target_file.hpp"

namespace drillhost::cli {

RunTarget::RunTarget(const GlobalOptions &global, const std::string &target, bool keep, bool may_bring_up)
    : global_(global), keep_(keep) {
    if (target == "none") return;
    if (!target.empty()) {
        target_ = load_target_file(target);
        return;
    }
    auto progress = [](const std::string &message) { spdlog::info("sandbox: {}", message); };
    auto state = sandbox::load_state(global.state_dir);
    if ((!state || !sandbox::sandbox_alive(*state)) && !may_bring_up)
        throw UsageError(
            "no --target and no embedded cluster is running: `drillhost sandbox up` brings one up, or "
            "pass --target FILE");
    if (!state || !sandbox::sandbox_alive(*state)) {
        spdlog::info(
            "no --target and no embedded cluster running: bringing a default one up (--target none to skip)");
        state = sandbox::sandbox_up(global.state_dir, sandbox::SandboxOptions{}, progress);
        brought_up_ = true;
    }
    target_ = state->to_json();
    spdlog::info("target: the embedded cluster ({})", sandbox::state_file(global.state_dir).string());
}

RunTarget::~RunTarget() {
    release();
}

void RunTarget::release() {
    if (!brought_up_) return;
    brought_up_ = false;
    if (keep_) {
        spdlog::info("sandbox: kept running (--keep-sandbox); `drillhost sandbox down` removes it");
        return;
    }
    try {
        sandbox::sandbox_down(global_.state_dir,
                              [](const std::string &message) { spdlog::info("sandbox: {}", message); });
    } catch (const std::exception &e) {
        spdlog::error(
            "sandbox: could not remove the cluster this run brought up: {}; run `drillhost sandbox down`",
            e.what());
    }
}

}  // namespace drillhost::cli
