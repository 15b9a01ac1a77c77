#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/file_trust.hpp>
#include <drillhost/core/journal.hpp>
#include <drillhost/core/recovery.hpp>
#include <drillhost/core/runner.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "host_context.hpp"
#include "worker/isolated_revert.hpp"

namespace drillhost {
namespace fs = std::filesystem;

const char *ledger_status_name(LedgerStatus status) {
    switch (status) {
        case LedgerStatus::closed:
            return "closed";
        case LedgerStatus::left_open:
            return "left open";
        case LedgerStatus::live:
            return "live";
        case LedgerStatus::malformed:
            return "malformed";
        case LedgerStatus::refused:
            return "refused";
        case LedgerStatus::pending:
            return "pending";
    }
    return "unknown";
}

int RecoveryReport::count(LedgerStatus status) const {
    return static_cast<int>(std::count_if(ledgers.begin(), ledgers.end(),
                                          [&](const LedgerRecovery &l) { return l.status == status; }));
}

int RecoveryReport::reverted() const {
    int n = 0;
    for (const auto &l : ledgers) n += l.reverted;
    return n;
}

int RecoveryReport::still_open() const {
    int n = 0;
    for (const auto &l : ledgers)
        if (l.status != LedgerStatus::live && l.still_open > 0) n += l.still_open;
    return n;
}

std::set<std::string> RecoveryReport::injectors_needed() const {
    std::set<std::string> ids;
    for (const auto &l : ledgers)
        if (l.status != LedgerStatus::live)
            for (const auto &f : l.open_faults) ids.insert(f.injector);
    return ids;
}

bool RecoveryReport::clean() const {
    return std::none_of(ledgers.begin(), ledgers.end(), [](const LedgerRecovery &l) { return l.problem(); });
}

namespace {

const char *const ledger_role = "ledger directory";

// The ledger directory, checked (not a symlink, not writable by others, ours); nullopt when missing.
std::optional<fs::path> trusted_ledger_dir(const fs::path &state_dir) {
    fs::path dir = state_dir / "ledger";
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 && errno == ENOENT) return std::nullopt;
    check_trusted_directory(dir, ledger_role);
    return dir;
}

// Opens (adopting, or only inspecting) one ledger and fills in what can be said before reverting.
// Returns the ledger when it is a dead run's, readable and well-formed.
std::optional<FaultLedger> open_ledger(LedgerRecovery &result, bool read_only, const RecoveryLog &log) {
    const auto &file = result.file;
    try {
        auto ledger = read_only ? FaultLedger::inspect(file) : FaultLedger::adopt(file);
        if (!ledger) {
            result.status = LedgerStatus::live;
            result.why = "its run is still alive (the ledger is locked); left alone";
            log(DH_LOG_INFO, file.string() + ": " + result.why);
            return std::nullopt;
        }
        result.open_faults = ledger->open_faults();
        result.open_before = static_cast<int>(result.open_faults.size());
        result.still_open = result.open_before;
        return ledger;
    } catch (const MalformedLedger &e) {
        result.status = LedgerStatus::malformed;
        result.why = valid_utf8(e.what());
    } catch (const UntrustedPath &e) {
        result.status = LedgerStatus::refused;
        result.why = valid_utf8(e.what()) + "; the ledger is kept as it is and nothing of it is reverted";
    } catch (const std::exception &e) {  // cannot open, lock or read it
        result.status = LedgerStatus::refused;
        result.why = valid_utf8(e.what()) + "; the ledger is kept as it is and nothing of it is reverted";
    }
    log(DH_LOG_ERROR, result.why);
    return std::nullopt;
}

// Reverts what one dead run left open, newest first, and closes its ledger when nothing is left.
void recover_ledger(const Registry &registry, FaultLedger &ledger, Journal &journal, const RecoveryLog &log,
                    RevertPolicy policy, const std::vector<std::string> &worker_command,
                    LedgerRecovery &result) {
    const auto file = ledger.path();
    const auto &open = result.open_faults;
    if (!open.empty())
        log(DH_LOG_WARN, file.string() + ": " + std::to_string(open.size()) +
                             " fault(s) left open by a run that is gone; reverting newest first");
    HostContext context(registry, ledger, journal, std::make_shared<Cancellation>(), "",
                        dump_json(ledger.target()),
                        [&](dh_severity severity, const std::string &component, const std::string &message) {
                            log(severity, valid_utf8("[" + component + "] " + message));
                        });
    FaultReverter reverter(
        registry, ledger, context.table(),
        [&](bool is_error, const std::string &message) {
            log(is_error ? DH_LOG_ERROR : DH_LOG_INFO, valid_utf8(message));
        },
        policy);
    auto worker_log = [&](dh_severity severity, const std::string &component, const std::string &message) {
        log(severity, valid_utf8("[" + component + "] " + message));
    };
    nlohmann::json job = worker_command.empty()
                             ? nlohmann::json()
                             : worker::base_job(registry, journal.run_id(), ledger, ledger.target());
    for (const auto &entry : open) {
        RevertOutcome outcome =
            worker_command.empty()
                ? reverter.revert(entry)
                : worker::revert_in_worker(worker_command, job, ledger, entry, entry.drill, policy,
                                           policy.worker_bound, journal, worker_log);
        journal.write({{"type", outcome.reverted ? "fault.reverted" : "fault.revert_failed"},
                       {"ledger", file.string()},
                       {"fault", entry.id},
                       {"injector", entry.injector},
                       {"by", "recover"},
                       {"error", valid_utf8(outcome.error)}});
        if (outcome.reverted) {
            ++result.reverted;
            log(DH_LOG_INFO, "reverted fault " + std::to_string(entry.id) + " (" + entry.injector + ") of " +
                                 file.filename().string());
        } else {
            if (result.why.empty())
                result.why =
                    "fault " + std::to_string(entry.id) + " (" + entry.injector + "): " + outcome.error;
            result.failures.push_back(outcome);
        }
    }
    result.still_open = static_cast<int>(result.failures.size());
    if (result.still_open > 0) {
        result.status = LedgerStatus::left_open;
        return;
    }
    if (ledger.close_if_clean()) {
        result.status = LedgerStatus::closed;
        result.file = ledger.path();
    } else {
        // Nothing open, but it could not be moved: the next recover closes it.
        result.status = LedgerStatus::closed;
        log(DH_LOG_WARN, file.string() + ": nothing open, but it could not be moved to closed/");
    }
}

// Newest run first, as within a run: a later fault may sit on top of an earlier one.
std::vector<fs::path> newest_first(const fs::path &dir) {
    auto files = FaultLedger::pending(dir);
    std::reverse(files.begin(), files.end());
    return files;
}

}  // namespace

RecoveryReport inspect_ledgers(const fs::path &state_dir, const RecoveryLog &log) {
    RecoveryReport report;
    report.ledger_dir = state_dir / "ledger";
    auto dir = trusted_ledger_dir(state_dir);
    if (!dir) return report;
    for (const auto &file : newest_first(*dir)) {
        LedgerRecovery result;
        result.file = file;
        if (auto ledger = open_ledger(result, /*read_only=*/true, log)) result.status = LedgerStatus::pending;
        report.ledgers.push_back(std::move(result));
    }
    return report;
}

RecoveryReport recover(const Registry &registry, const fs::path &state_dir, const RecoveryLog &log,
                       RevertPolicy policy, const std::vector<std::string> &worker_command) {
    RecoveryReport report;
    report.ledger_dir = state_dir / "ledger";
    auto dir = trusted_ledger_dir(state_dir);
    if (!dir) return report;
    std::unique_ptr<Journal> journal;  // only once there is a dead run to deal with
    for (const auto &file : newest_first(*dir)) {
        LedgerRecovery result;
        result.file = file;
        auto ledger = open_ledger(result, /*read_only=*/false, log);
        if (ledger) {
            try {
                if (!journal) {
                    // An older drillhost made runs/ 0755; its journals name the targets.
                    ensure_private_directory(state_dir / "runs", "run journal directory");
                    journal = std::make_unique<Journal>(
                        state_dir / "runs" / ("recover-" + make_run_id() + ".jsonl"), "recover");
                }
                recover_ledger(registry, *ledger, *journal, log, policy, worker_command, result);
            } catch (const std::exception &e) {
                // One ledger that cannot be written must not keep the others' faults in place.
                result.status = LedgerStatus::left_open;
                result.why = valid_utf8(e.what());
                if (result.still_open < 0) result.still_open = result.open_before;
                log(DH_LOG_ERROR, file.string() + ": " + result.why);
            }
        }
        report.ledgers.push_back(std::move(result));
    }
    return report;
}

fs::path resolve_ledger_name(const fs::path &state_dir, const std::string &name) {
    fs::path dir = state_dir / "ledger";
    auto refuse = [&](const std::string &why) -> fs::path {
        throw UsageError("recover --forget " + name + ": " + why + "; give the file name of a ledger in " +
                         dir.string() + " (as `drillhost recover --dry-run` lists them)");
    };
    fs::path given(name);
    fs::path file_name = given.filename();
    if (name.empty() || file_name.empty() || file_name == "." || file_name == ".." ||
        file_name.extension() != ".jsonl")
        return refuse("not a ledger file name (<run-id>.jsonl)");
    if (given.has_parent_path()) {
        std::error_code ec;
        // Only a path whose directory IS the ledger directory (no `..`, nothing elsewhere).
        bool there = fs::equivalent(given.parent_path(), dir, ec);
        if (ec || !there) return refuse("not in the ledger directory");
        for (const auto &part : given.parent_path())
            if (part == "..") return refuse("not in the ledger directory");
    }
    fs::path file = dir / file_name;
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0) return refuse("no such ledger");
    if (S_ISDIR(st.st_mode)) return refuse("a directory, not a ledger");
    return file;
}

ForgottenLedger forget_ledger(const fs::path &state_dir, const std::string &name) {
    if (!trusted_ledger_dir(state_dir))
        throw UsageError("recover --forget " + name + ": there is no ledger directory " +
                         (state_dir / "ledger").string());
    ForgottenLedger forgotten;
    forgotten.from = resolve_ledger_name(state_dir, name);
    struct stat st {};
    int fd = -1;
    if (::lstat(forgotten.from.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        // Its run must be gone: take its lock (held until the move is done), read what it says.
        fd = ::open(forgotten.from.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            throw UsageError("recover --forget " + name + ": cannot open " + forgotten.from.string() + ": " +
                             std::strerror(errno));
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd);
            throw UsageError(
                "recover --forget " + name + ": its run is still alive (the ledger " +
                forgotten.from.string() +
                " is locked); stop that run, or let it finish, instead of forgetting its ledger");
        }
        std::string text;
        char buffer[65536];
        for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0 && text.size() < (64u << 20);)
            text.append(buffer, static_cast<size_t>(got));
        for (auto &entry : salvage_ledger(text))
            if (entry.open()) forgotten.open_faults.push_back(std::move(entry));
        std::reverse(forgotten.open_faults.begin(), forgotten.open_faults.end());
    }
    // Anything else (a symlink, a FIFO) is moved as the entry it is: rename never follows it.
    fs::path dir = state_dir / "ledger" / "forgotten";
    try {
        ensure_private_directory(dir, "forgotten-ledger directory");
        forgotten.to = dir / forgotten.from.filename();
        struct stat existing {};
        if (::lstat(forgotten.to.c_str(), &existing) == 0)
            throw UsageError("recover --forget " + name + ": " + forgotten.to.string() +
                             " already exists; move one of them by hand");
        if (::rename(forgotten.from.c_str(), forgotten.to.c_str()) != 0)
            throw InfraError("recover --forget " + name + ": cannot move " + forgotten.from.string() +
                             " to " + forgotten.to.string() + ": " + std::strerror(errno));
    } catch (...) {
        if (fd >= 0) ::close(fd);
        throw;
    }
    for (const fs::path &d : {state_dir / "ledger", dir}) {
        int dfd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
    }
    if (fd >= 0) ::close(fd);
    return forgotten;
}

}  // namespace drillhost
