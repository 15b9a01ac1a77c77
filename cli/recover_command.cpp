// `drillhost recover [--dry-run] [--forget LEDGER]...`: see docs/ledger.md, "drillhost recover".
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/paths.hpp>
#include <drillhost/core/recovery.hpp>
#include <drillhost/core/redact.hpp>
#include <drillhost/core/target_lock.hpp>
#include <drillhost/core/worker.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "commands.hpp"
#include "log_severity.hpp"
#include "table.hpp"

namespace drillhost::cli {
namespace fs = std::filesystem;

namespace {

void log_recovery_line(dh_severity severity, const std::string &message) {
    spdlog::log(spdlog_level(severity), "{}", valid_utf8(message));
}

std::string count_text(int n) {
    return n < 0 ? "?" : std::to_string(n);
}

nlohmann::json count_json(int n) {
    return n < 0 ? nlohmann::json(nullptr) : nlohmann::json(n);
}

// An open fault as a dry run shows it: what would be reverted, and from what.
nlohmann::json fault_json(const FaultEntry &f) {
    bool applied = f.state == FaultEntry::State::applied;
    nlohmann::json out{{"fault", f.id},
                       {"injector", f.injector},
                       {"drill", f.drill},
                       {"state", applied ? "applied" : "intent"},
                       {"last_error", f.last_error}};
    if (applied)
        out["record"] = redact_json(f.record);
    else
        out["params"] = redact_json(f.params);  // reverted with DH_REVERT_UNCONFIRMED
    return out;
}

nlohmann::json ledger_json(const LedgerRecovery &l, bool dry_run) {
    nlohmann::json faults = nlohmann::json::array();
    for (const auto &f : l.open_faults) faults.push_back(fault_json(f));
    nlohmann::json failures = nlohmann::json::array();
    for (const auto &f : l.failures)
        failures.push_back({{"fault", f.fault}, {"injector", f.injector}, {"error", f.error}});
    nlohmann::json out{{"ledger", l.file.filename().string()},
                       {"path", l.file.string()},
                       {"status", ledger_status_name(l.status)},
                       {"open_before", count_json(l.open_before)},
                       {"why", l.why}};
    if (dry_run) {
        out["open_faults"] = faults;  // newest first: the order they would be reverted in
    } else {
        out["reverted"] = l.reverted;
        out["still_open"] = count_json(l.still_open);
        out["failed"] = failures;
    }
    return out;
}

// Checks the state directory before anything: recover never creates it.
bool state_dir_usable(const GlobalOptions &global) {
    std::error_code ec;
    auto status = fs::symlink_status(global.state_dir, ec);
    if (status.type() == fs::file_type::not_found) {
        bool explicit_dir = global.state_dir_given;
        if (explicit_dir)
            throw UsageError("state directory " + global.state_dir.string() +
                             " does not exist; check --state-dir (recover never creates it: a mistyped path "
                             "would otherwise find nothing and exit 0)");
        std::cout << "recover: nothing to recover: the state directory " << global.state_dir.string()
                  << " does not exist\n";
        return false;
    }
    if (!fs::is_directory(global.state_dir, ec))
        throw UsageError("state directory " + global.state_dir.string() +
                         " is not a directory; check --state-dir");
    return true;
}

int forget(const GlobalOptions &global, const RecoverOptions &options) {
    if (options.dry_run)
        throw UsageError(
            "recover: --dry-run and --forget cannot be combined; run --dry-run first, then --forget");
    // Every name is checked before anything is moved.
    for (const auto &name : options.forget) (void)resolve_ledger_name(global.state_dir, name);
    nlohmann::json out = nlohmann::json::array();
    for (const auto &name : options.forget) {
        auto forgotten = forget_ledger(global.state_dir, name);
        std::string faults;
        nlohmann::json faults_json = nlohmann::json::array();
        for (const auto &f : forgotten.open_faults) {
            faults += "\n  fault " + std::to_string(f.id) + " (" + f.injector + ") " +
                      dump_json(redact_json(f.state == FaultEntry::State::applied ? f.record : f.params));
            faults_json.push_back(fault_json(f));
        }
        spdlog::warn("forgot ledger {}: moved to {}; its open faults were NOT reverted{}",
                     forgotten.from.string(), forgotten.to.string(),
                     forgotten.open_faults.empty() ? std::string(" (none could be read as open)")
                                                   : ":" + valid_utf8(faults));
        out.push_back({{"ledger", forgotten.from.filename().string()},
                       {"moved_to", forgotten.to.string()},
                       {"not_reverted", faults_json}});
    }
    if (global.format == Format::json)
        std::cout << dump_json({{"forgotten", out}}, 2) << '\n';
    else
        for (const auto &f : out)
            std::cout << "forgotten: " << f["ledger"].get<std::string>() << " -> "
                      << f["moved_to"].get<std::string>() << " (" << f["not_reverted"].size()
                      << " open fault(s) NOT reverted)\n";
    return static_cast<int>(ExitCode::passed);
}

int dry_run(const GlobalOptions &global, const RecoveryReport &report) {
    if (global.format == Format::json) {
        nlohmann::json ledgers = nlohmann::json::array();
        for (const auto &l : report.ledgers) ledgers.push_back(ledger_json(l, true));
        std::cout << dump_json({{"dry_run", true},
                                {"ledger_dir", report.ledger_dir.string()},
                                {"ledgers", ledgers},
                                {"kept", report.kept()}},
                               2)
                  << '\n';
    } else {
        TextTable table({"LEDGER", "STATUS", "FAULT", "INJECTOR", "STATE", "REVERT FROM"});
        for (const auto &l : report.ledgers) {
            std::string name = l.file.filename().string();
            std::string status = l.status == LedgerStatus::pending
                                     ? (l.open_faults.empty() ? "would close" : "would revert")
                                     : ledger_status_name(l.status);
            if (l.open_faults.empty() || l.status == LedgerStatus::live) {
                table.add({name, status, "-", "-", "-", l.status == LedgerStatus::pending ? "" : l.why});
                continue;
            }
            for (const auto &f : l.open_faults) {  // newest first: the order they would be reverted in
                bool applied = f.state == FaultEntry::State::applied;
                table.add({name, status, std::to_string(f.id), f.injector, applied ? "applied" : "intent",
                           (applied ? "record " + dump_json(redact_json(f.record))
                                    : "params " + dump_json(redact_json(f.params)))});
            }
        }
        table.print(std::cout);
        std::cout << "recover --dry-run: nothing was changed (" << report.ledger_dir.string() << ")\n";
    }
    return report.kept() > 0 ? static_cast<int>(ExitCode::infrastructure)
                             : static_cast<int>(ExitCode::passed);
}

}  // namespace

int recover_command(const GlobalOptions &global, const RecoverOptions &options) {
    if (!state_dir_usable(global)) {
        if (!options.forget.empty())
            throw UsageError("recover --forget: there is no state directory " + global.state_dir.string());
        return static_cast<int>(ExitCode::passed);
    }
    if (!options.forget.empty()) return forget(global, options);

    // First the ledgers (read-only): which injectors do open faults need?
    RecoveryLog quiet = [](dh_severity, const std::string &) {};  // recover itself reports them below
    auto scan = inspect_ledgers(global.state_dir, options.dry_run ? RecoveryLog(log_recovery_line) : quiet);
    if (options.dry_run) return dry_run(global, scan);
    // A run killed with -9 leaves its cluster lock file behind (unheld); tidy it with the ledgers.
    if (int stale = TargetLock::remove_stale(global.state_dir); stale > 0)
        spdlog::info("removed {} cluster lock file(s) of runs that are gone", stale);

    // Only the injectors that open faults need, and the probes reverts call, are loaded: a broken,
    // unrelated drill or injector cannot stand in the way of reverting (the loader then reads no
    // more of it than its bounded id). A broken probe is refused like any plugin, never fatal.
    Registry registry;
    auto needed = scan.injectors_needed();
    if (!needed.empty())
        load_registry(global, registry, [&needed](std::string_view id, dh_kind kind) {
            // Probes too: reverts call them (patroni-rest for maintenance, sql for a
            // paused replay).
            return kind == DH_KIND_PROBE || needed.count(std::string(id)) > 0;
        });
    // A ledger written before a component was renamed names it by a former id, which the filter
    // above cannot know (aliases are read with the whole descriptor): then every plugin is read, and
    // the renamed component is found by its alias.
    bool missing = false;
    for (const auto &id : needed) missing = missing || registry.find(id) == nullptr;
    if (missing) {
        spdlog::info("some ledger names a component not loaded by its id; reading every plugin for aliases");
        registry = Registry();
        load_registry(global, registry);
    }

    // Each fault in a worker: an injector whose revert crashes fails only its own fault.
    auto report = recover(registry, global.state_dir, log_recovery_line, {}, self_worker_command());
    if (global.format == Format::json) {
        nlohmann::json ledgers = nlohmann::json::array();
        nlohmann::json failed = nlohmann::json::array();  // every fault left open, for scripts
        for (const auto &l : report.ledgers) {
            ledgers.push_back(ledger_json(l, false));
            for (const auto &f : l.failures)
                failed.push_back({{"ledger", l.file.filename().string()},
                                  {"fault", f.fault},
                                  {"injector", f.injector},
                                  {"error", f.error}});
        }
        std::cout << dump_json({{"ledger_dir", report.ledger_dir.string()},
                                {"ledgers", ledgers},
                                {"failed", failed},
                                {"reverted", report.reverted()},
                                {"still_open", report.still_open()},
                                {"kept", report.kept()},
                                {"busy", report.count(LedgerStatus::live)}},
                               2)
                  << '\n';
    } else {
        if (!report.ledgers.empty()) {
            TextTable table({"LEDGER", "STATUS", "OPEN BEFORE", "REVERTED", "STILL OPEN", "WHY"});
            for (const auto &l : report.ledgers)
                table.add({l.file.filename().string(), ledger_status_name(l.status),
                           count_text(l.open_before), std::to_string(l.reverted), count_text(l.still_open),
                           l.why});
            table.print(std::cout);
        }
        std::cout << "recover: " << report.reverted() << " fault(s) reverted, " << report.still_open()
                  << " still open, " << report.kept() << " ledger(s) kept unread, "
                  << report.count(LedgerStatus::live) << " live run(s) left alone ("
                  << report.ledger_dir.string() << ")\n";
    }
    return report.clean() ? static_cast<int>(ExitCode::passed) : static_cast<int>(ExitCode::infrastructure);
}

}  // namespace drillhost::cli
