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

using RecoveryLog = std::function<void(dh_severity severity, const std::string &message)>;

// Reverts, newest first, every open fault of every ledger in `<state_dir>/ledger` whose run is gone.
// A ledger that cannot be read is reported in `failures` and the others are still recovered.
RecoveryReport recover(const Registry &registry, const std::filesystem::path &state_dir,
                       const RecoveryLog &log, RevertPolicy policy = {});

}  // namespace drillhost
