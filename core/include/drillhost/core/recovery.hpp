// `drillhost recover`: reverts what crashed runs left open in the fault ledger. Per ledger and
// fail-closed: a ledger that is malformed or not trusted is kept as it is and reported, and the
// others are still recovered. See docs/ledger.md, "drillhost recover".
#pragma once

#include <drillhost/core/fault_reverter.hpp>

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace drillhost {

enum class LedgerStatus {
    closed,     // nothing open (any more): moved to ledger/closed/
    left_open,  // some faults could not be reverted; the ledger stays in ledger/
    live,       // its run is alive (locked): left alone, does not count
    malformed,  // a malformed line: kept as it is, nothing of it reverted
    refused,    // not a file drillhost trusts (symlink, mode, owner) or unreadable: kept, untouched
    pending,    // dry run: read, and would be recovered
};

// "closed", "left open", "live", "malformed", "refused", "pending".
const char *ledger_status_name(LedgerStatus status);

struct LedgerRecovery {
    std::filesystem::path file;
    LedgerStatus status = LedgerStatus::pending;
    int open_before = -1;  // open faults found in it; -1 when it could not be read
    int reverted = 0;
    int still_open = -1;  // -1 when unknown (malformed, refused)
    std::string why;      // why it is not closed (first failure, the malformed line, the refusal)
    std::vector<FaultEntry> open_faults;  // as found, newest first
    std::vector<RevertOutcome> failures;
    // A ledger recover could not deal with: counts against its exit code.
    bool problem() const {
        return status == LedgerStatus::left_open || status == LedgerStatus::malformed ||
               status == LedgerStatus::refused;
    }
};

struct RecoveryReport {
    std::filesystem::path ledger_dir;
    std::vector<LedgerRecovery> ledgers;  // newest first, the order they were processed in

    int ledgers_seen() const { return static_cast<int>(ledgers.size()); }
    int count(LedgerStatus status) const;
    int reverted() const;
    int still_open() const;  // open faults known to remain (malformed/refused ledgers not counted)
    // Ledgers kept unread: malformed or refused.
    int kept() const { return count(LedgerStatus::malformed) + count(LedgerStatus::refused); }
    // Injector ids with faults open in the dead ledgers.
    std::set<std::string> injectors_needed() const;
    bool clean() const;
};

using RecoveryLog = std::function<void(dh_severity severity, const std::string &message)>;

// Reads every ledger in `<state_dir>/ledger` (trusted and locked like recover, read-only) and says
// what recover would do. Changes nothing, writes no journal. A missing ledger dir: an empty report.
// Throws UntrustedPath when the ledger directory itself is not trusted.
RecoveryReport inspect_ledgers(const std::filesystem::path &state_dir, const RecoveryLog &log);

// Reverts, newest first, every open fault of every ledger in `<state_dir>/ledger` whose run is
// gone, ledger by ledger (newest run first). A ledger that is malformed or not trusted is reported
// and kept as it is; the others are still recovered. Throws UntrustedPath when the ledger directory
// itself is not trusted (nothing in it is then touched).
// With a `worker_command` (worker.hpp) each fault is reverted in a worker process of its own, so an
// injector whose revert crashes fails only that fault; empty: in this process.
RecoveryReport recover(const Registry &registry, const std::filesystem::path &state_dir,
                       const RecoveryLog &log, RevertPolicy policy = {},
                       const std::vector<std::string> &worker_command = {});

struct ForgottenLedger {
    std::filesystem::path from, to;
    std::vector<FaultEntry> open_faults;  // as far as they could be read: NOT reverted
};

// The ledger `name` (a file name in `<state_dir>/ledger`, or a path to one there) as a path in that
// directory. Throws UsageError naming `name` for anything else (another directory, `..`, a missing
// file, a directory).
std::filesystem::path resolve_ledger_name(const std::filesystem::path &state_dir, const std::string &name);

// Moves a ledger a person has dealt with by hand to `<state_dir>/ledger/forgotten/` (0700), without
// reverting anything. Throws UsageError when its run is alive (locked).
ForgottenLedger forget_ledger(const std::filesystem::path &state_dir, const std::string &name);

}  // namespace drillhost
