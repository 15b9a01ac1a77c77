// `drillhost recover`: reverts what crashed runs left open in the fault ledger.
#pragma once

#include <drillhost/core/fault_reverter.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace drillhost {

struct RecoveryReport {
    int ledgers_seen = 0;
    int ledgers_busy = 0;  // belonging to a run that is still alive: left alone
    int reverted = 0;
    std::vector<RevertOutcome> failures;
    bool clean() const { return failures.empty(); }
};

RecoveryReport recover(const Registry &registry, const std::filesystem::path &state_dir,
                       const FaultReverter::Logger &log, RevertPolicy policy = {});

}  // namespace drillhost
