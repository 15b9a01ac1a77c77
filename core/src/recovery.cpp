#include <drillhost/core/errors.hpp>
#include <drillhost/core/journal.hpp>
#include <drillhost/core/recovery.hpp>

#include "host_context.hpp"

namespace drillhost {

RecoveryReport recover(const Registry &registry, const std::filesystem::path &state_dir,
                       const FaultReverter::Logger &log, RevertPolicy policy) {
    RecoveryReport report;
    auto ledger_dir = state_dir / "ledger";
    Journal journal(state_dir / "runs" / ("recover-" + make_run_id() + ".jsonl"), "recover");
    for (const auto &file : FaultLedger::pending(ledger_dir)) {
        ++report.ledgers_seen;
        auto ledger = FaultLedger::adopt(file);
        if (!ledger) {
            ++report.ledgers_busy;
            log(false, file.string() + ": its run is still alive (the ledger is locked); leaving it alone");
            continue;
        }
        auto open = ledger->open_faults();
        if (!open.empty())
            log(false, file.string() + ": " + std::to_string(open.size()) +
                           " fault(s) left open; reverting newest first");
        HostContext context(registry, *ledger, journal, std::make_shared<Cancellation>(), "", "{}",
                            [&](dh_severity severity, const std::string &, const std::string &message) {
                                log(severity >= DH_LOG_WARN, message);
                            });
        FaultReverter reverter(registry, *ledger, context.table(), log, policy);
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
                log(false, "reverted fault " + std::to_string(entry.id) + " (" + entry.injector + ") of " +
                               file.filename().string());
            } else {
                report.failures.push_back(outcome);
            }
        }
        ledger->close_if_clean();
    }
    return report;
}

}  // namespace drillhost
