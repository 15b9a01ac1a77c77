// Runs drills: validates parameters, gives each drill a host table, enforces its timeout and
// cancellation, and reverts every fault it left open, whatever happened. The CLI is a thin layer
// over this; other harnesses can embed it the same way.
#pragma once

#include <drillhost/core/cancellation.hpp>
#include <drillhost/core/drill_report.hpp>
#include <drillhost/core/fault_ledger.hpp>
#include <drillhost/core/journal.hpp>
#include <drillhost/core/registry.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace drillhost {

// crashed: the drill killed its worker process (a signal, an exception across the C ABI, an exit).
enum class Outcome { passed, failed, skipped, cancelled, timed_out, error, crashed };
const char *outcome_name(Outcome outcome);

struct DrillResult {
    std::string drill;
    Outcome outcome = Outcome::passed;
    std::string message;  // why it failed, was skipped or cancelled
    dh_status status = DH_OK;
    std::vector<Assertion> assertions;
    std::vector<Measurement> measurements;
    double duration_ms = 0;
    int faults_injected = 0;
    int faults_left_open = 0;  // reverts that failed: `drillhost recover` must finish them
    bool abandoned = false;    // in process: the drill ignored cancellation and still runs on its thread
};

struct RunnerOptions {
    std::filesystem::path state_dir;                    // holds ledger/ and runs/
    std::optional<std::filesystem::path> journal_path;  // default: <state_dir>/runs/<run id>.jsonl
    nlohmann::json target = nlohmann::json::object();
    std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // per drill
    std::chrono::milliseconds grace{std::chrono::seconds(10)};    // to stop after cancel/timeout
    // Empty: drills run on a thread of this process (for harnesses and tests; a plugin that crashes
    // takes the process with it, one that ignores cancellation is abandoned). Otherwise the command
    // of a worker process (worker.hpp, self_worker_command()): each drill runs in a worker of its
    // own and each of its open faults is reverted in another, so that a crash, an abort or a hang
    // ends only that drill (outcome crashed or timed out) and the next one runs.
    std::vector<std::string> worker_command;
    // Host log lines, plugins' included, with passwords already redacted (redact_text).
    std::function<void(dh_severity, const std::string &component, const std::string &message)> log;
    // Sees every journal entry as it is written (drill.start, event, fault.*, verdict, ...): for
    // progress output. Called on the drill's thread, in journal order.
    std::function<void(const nlohmann::json &entry)> on_journal_entry;
};

class Runner {
  public:
    // Creates the run's journal (in a 0700 <state>/runs/ by default). The ledger is created by the
    // first drill or inject: probe samples never leave one. Throws InfraError (or UntrustedPath) if
    // the state dir is unusable.
    Runner(const Registry &registry, RunnerOptions options);
    // Closes the ledger if nothing is open in it, however the command ended (an exception from
    // sample or inject included); open faults stay for `drillhost recover`.
    ~Runner();

    const std::string &run_id() const;
    const std::filesystem::path &journal_path() const;
    const std::filesystem::path &ledger_path() const;

    // Validates `params` (throws UsageError with the first violation and its JSON path), then runs.
    DrillResult run(const std::string &drill_id, const nlohmann::json &params);

    // One sample of a probe, outside any drill (`drillhost probe`), without a ledger. Throws
    // UsageError for an unknown probe or parameters its schema refuses (the host's own checks),
    // InfraError with the probe's status and error text for whatever the probe reports.
    nlohmann::json sample(const std::string &probe_id, const nlohmann::json &params);

    // One operation of a probe or injector outside any drill (`drillhost probe ID OPERATION`): an
    // observation, or an act. An act that creates something is ledgered like a fault and undone
    // before this returns (its ledger is then removed); nothing else in the ledger is touched.
    // Throws UsageError for an unknown component or operation, params its schema refuses, or an
    // injector's inject (use inject), InfraError with the status and error text for whatever the
    // component reports, or when the undo failed (then `recover` retries it).
    nlohmann::json operate(const std::string &component_id, const std::string &operation,
                           const nlohmann::json &params);

    // One fault, outside any drill (`drillhost inject`): written to the ledger, applied, and left
    // open, for `drillhost recover` (or a revert_fault of this runner) to undo. Returns
    // {"fault": id, "injector", "record", "ledger"}. Throws UsageError for an unknown injector or
    // parameters its schema refuses (the host's own checks), InfraError when the injector refused or
    // failed, whatever its status (a ledger that never held an applied fault is then removed).
    nlohmann::json inject(const std::string &injector_id, const nlohmann::json &params);

    // Journals what the run is against (type run.info): the cluster's scope, Patroni version and
    // timing, the pg_rto plan; redacted like every journal entry. For the reports (report/).
    void note_run_info(const nlohmann::json &cluster);

    // Stops the current drill and refuses new ones. Thread-safe.
    void cancel(const std::string &reason);
    bool cancelled() const;

    // Marks the ledger closed if nothing is left open (no ledger: nothing to do). Call once after the
    // last drill.
    // Returns how many faults are still open (then `drillhost recover` must finish them).
    size_t finish();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A fresh run id: "20261125T201905Z-12345".
std::string make_run_id();

}  // namespace drillhost
