// Reverting a fault in a worker process (worker.hpp), for the run's cleanup and for `recover`: an
// injector whose revert crashes or hangs ends only that revert, and the caller goes on with the
// other faults. Internal to the core.
#pragma once

#include <drillhost/core/fault_ledger.hpp>
#include <drillhost/core/fault_reverter.hpp>
#include <drillhost/core/journal.hpp>
#include <drillhost/core/registry.hpp>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace drillhost::worker {

using Log = std::function<void(dh_severity, const std::string &component, const std::string &message)>;

// The part of every job that says what to load and where the ledger is: the plugin files and
// component ids of `registry`, this process as the parent, the run id and the target.
nlohmann::json base_job(const Registry &registry, const std::string &run_id, const FaultLedger &ledger,
                        const nlohmann::json &target);

// Reverts `entry` in a worker started with `command`; the worker writes the ledger lines, which are
// read back here. A worker that crashes, or is still at it after `bound`, is killed and recorded in
// the ledger as a failed revert naming what happened; the fault stays open for `recover`. The
// worker's journal entries go to `journal` and its log lines to `log`.
RevertOutcome revert_in_worker(const std::vector<std::string> &command, nlohmann::json job,
                               FaultLedger &ledger, const FaultEntry &entry, const std::string &drill,
                               RevertPolicy policy, std::chrono::milliseconds bound, Journal &journal,
                               const Log &log);

}  // namespace drillhost::worker
