#include <drillhost/core/errors.hpp>
#include <drillhost/core/journal.hpp>
#include <drillhost/core/recovery.hpp>

#include <algorithm>

#include "host_context.hpp"

namespace drillhost {

namespace {

// Reverts what one dead run left open, newest first, and closes its ledger when nothing is left.
void recover_ledger(const Registry &registry, FaultLedger &ledger, Journal &journal, const RecoveryLog &log,
                    RevertPolicy policy, RecoveryReport &report) {
    const auto file = ledger.path();
    auto open = ledger.open_faults();
    if (!open.empty())
        log(DH_LOG_WARN, file.string() + ": " + std::to_string(open.size()) +
                             " fault(s) left open by a run that is gone; reverting newest first");
    HostContext context(registry, ledger, journal, std::make_shared<Cancellation>(), "",
                        ledger.target().dump(),
                        [&](dh_severity severity, const std::string &component, const std::string &message) {
                            log(severity, "[" + component + "] " + message);
                        });
    FaultReverter reverter(
        registry, ledger, context.table(),
        [&](bool is_error, const std::string &message) {
            log(is_error ? DH_LOG_ERROR : DH_LOG_INFO, message);
        },
        policy);
    for (const auto &entry : open) {
        RevertOutcome outcome = reverter.revert(entry);
        journal.write({{"type", outcome.reverted ? "fault.reverted" : "fault.revert_failed"},
                       {"ledger", file.string()},
                       {"fault", entry.id},
                       {"injector", entry.injector},
                       {"by", "recover"},
                       {"error", outcome.error}});
        if (outcome.reverted) {
            ++report.reverted;
            log(DH_LOG_INFO, "reverted fault " + std::to_string(entry.id) + " (" + entry.injector + ") of " +
                                 file.filename().string());
        } else {
            report.failures.push_back(outcome);
        }
    }
    ledger.close_if_clean();
}

}  // namespace

RecoveryReport recover(const Registry &registry, const std::filesystem::path &state_dir,
                       const RecoveryLog &log, RevertPolicy policy) {
    RecoveryReport report;
    Journal journal(state_dir / "runs" / ("recover-" + make_run_id() + ".jsonl"), "recover");
    // Newest run first, as within a run: a later fault may sit on top of an earlier one.
    auto pending = FaultLedger::pending(state_dir / "ledger");
    std::reverse(pending.begin(), pending.end());
    for (const auto &file : pending) {
        ++report.ledgers_seen;
        try {
            auto ledger = FaultLedger::adopt(file);
            if (!ledger) {
                ++report.ledgers_busy;
                log(DH_LOG_INFO,
                    file.string() + ": its run is still alive (the ledger is locked); leaving it alone");
                continue;
            }
            recover_ledger(registry, *ledger, journal, log, policy, report);
        } catch (const InfraError &e) {
            // One unreadable ledger must not keep the others' faults in place.
            log(DH_LOG_ERROR, e.what());
            report.failures.push_back({0, "", false, e.what()});
        }
    }
    return report;
}

}  // namespace drillhost
