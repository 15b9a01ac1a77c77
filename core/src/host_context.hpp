// The host table (dh_host) given to plugins during one drill, or during recovery.
// Internal to the core: plugins see only the C table, harnesses only the Runner.
//
// A plugin may keep the table and call it from a thread of its own after the drill's run()
// returned, or even after this context is gone (docs/abi.md, "Threading"). So the tables live in
// a small slot that is never freed, and each call reaches the context through it: the slot refuses
// calls once the drill's run returned (end_of_run) or the context died, and the context waits for
// calls already inside it before it goes.
#pragma once

#include <drillhost/core/cancellation.hpp>
#include <drillhost/core/drill_report.hpp>
#include <drillhost/core/fault_ledger.hpp>
#include <drillhost/core/fault_reverter.hpp>
#include <drillhost/core/instance.hpp>
#include <drillhost/core/journal.hpp>
#include <drillhost/core/registry.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace drillhost {

using LogSink = std::function<void(dh_severity, const std::string &component, const std::string &message)>;

// Where refused late calls are reported (once per drill): the run's journal and log, for as long as
// the Runner that owns them lives. close() before they go; reports after that are dropped.
class LateCallSink {
  public:
    LateCallSink(Journal &journal, LogSink log) : journal_(&journal), log_(std::move(log)) {}
    void report(const std::string &drill, const std::string &message);
    void close();

  private:
    std::mutex mutex_;
    Journal *journal_;
    LogSink log_;
};

struct HostSlot;

class HostContext {
  public:
    // `ledger` may be null for a context that only observes (probe samples): inject_fault and
    // revert_fault are then refused.
    HostContext(const Registry &registry, FaultLedger *ledger, Journal &journal,
                std::shared_ptr<const Cancellation> cancellation, std::string drill, std::string target_json,
                LogSink log);
    HostContext(const Registry &registry, FaultLedger &ledger, Journal &journal,
                std::shared_ptr<const Cancellation> cancellation, std::string drill, std::string target_json,
                LogSink log)
        : HostContext(registry, &ledger, journal, std::move(cancellation), std::move(drill),
                      std::move(target_json), std::move(log)) {}
    // Refuses calls from now on and waits for the calls already running.
    ~HostContext();
    HostContext(const HostContext &) = delete;
    HostContext &operator=(const HostContext &) = delete;

    const dh_host *table() const;

    // After the drill ended: inject_fault is refused from now on (a drill thread that ignored
    // cancellation must not add faults while they are being reverted).
    void seal() { sealed_ = true; }

    // The drill's run returned: its table refuses every call from now on ("called after the drill's
    // run returned"). The cleanup table (reverts) still works until the context goes.
    void end_of_run();

    // Where a refused late call is reported; without one it goes to stderr.
    void report_late_calls_to(std::shared_ptr<LateCallSink> sink);

    std::vector<Assertion> assertions() const;
    std::vector<Measurement> measurements() const;
    int faults_injected() const { return faults_injected_; }

    // Reverts this drill's open faults and cleanup records, newest first, with a host table that is
    // never cancelled. The drill's probe instances go first: a writer's clients stop before its
    // table is dropped.
    std::vector<RevertOutcome> revert_open_faults();
    // Reverts one fault with that table (in a worker process, for its parent).
    RevertOutcome revert(const FaultEntry &entry, RevertPolicy policy);

    void log(dh_severity severity, const std::string &component, const std::string &message) const;
    Journal &journal() const { return journal_; }

  private:
    friend class HostCall;
    static void fail(const std::string &message);

    static void host_log(const dh_host *, dh_severity, const char *, const char *);
    static uint64_t host_monotonic_ns(const dh_host *);
    static int32_t host_is_cancelled(const dh_host *);
    static dh_status host_sleep_ms(const dh_host *, uint64_t);
    static int32_t cleanup_is_cancelled(const dh_host *);
    static dh_status cleanup_sleep_ms(const dh_host *, uint64_t);
    FaultReverter reverter(RevertPolicy policy = {});
    static dh_status host_record_event(const dh_host *, const char *, const char *);
    static dh_status host_call_probe(const dh_host *, const char *, const char *, char **);
    static dh_status host_inject_fault(const dh_host *, const char *, const char *, uint64_t *);
    static dh_status host_revert_fault(const dh_host *, uint64_t);
    static dh_status host_emit_measurement(const dh_host *, const char *, double, const char *);
    static dh_status host_emit_verdict(const dh_host *, const char *, dh_verdict, const char *, const char *);
    static const char *host_target_json(const dh_host *);
    static const char *host_last_error(const dh_host *);
    static void host_free_string(const dh_host *, char *);
    static dh_status host_call(const dh_host *, const char *, const char *, char **);
    static dh_status host_call_operation(const dh_host *, const char *, const char *, const char *, char **);
    static dh_status host_json_string(const dh_host *, const char *, const char *, char **);
    static dh_status host_json_number(const dh_host *, const char *, const char *, double *);
    static dh_status host_json_bool(const dh_host *, const char *, const char *, int32_t *);
    static dh_status host_json_length(const dh_host *, const char *, const char *, uint64_t *);

    dh_status call_probe(const dh_host *via, const std::string &id, const std::string &params, char **result);
    dh_status call_operation(const dh_host *via, const std::string &id, const std::string &operation,
                             const std::string &params, char **result);
    // The instance a probe's (or injector's declared) operations run on: one per component and table
    // for the life of the context, so a probe keeps its state (a writer's clients) between calls.
    std::shared_ptr<ComponentInstance> operation_instance(const Component &component, const dh_host *via);
    // The drill's probe instances go (a writer's clients stop) once nothing the drill made is needed.
    void release_operation_instances();
    // An undo called by the drill itself closes the cleanup record of the act it undoes.
    void close_cleanup_record(const Component &component, const Operation &undo,
                              const nlohmann::json &params);
    // The result `text` of `component`.`op` checked against the operation's result schema when
    // results are validated (results_validated()); "" when fine, else why not.
    std::string result_problem(const Component &component, const Operation &op,
                               const std::string &text) const;
    dh_status inject_fault(const std::string &id, const std::string &params, uint64_t *fault_id);
    dh_status revert_fault(uint64_t fault_id);
    // Parses `params` and validates them against `component`'s schema; "" when valid, else why.
    std::string prepare_params(const Component &component, const std::string &text,
                               nlohmann::json &out) const;

    const Registry &registry_;
    FaultLedger *ledger_;
    Journal &journal_;
    std::shared_ptr<const Cancellation> cancellation_;
    std::string drill_;
    std::string target_json_;
    LogSink log_;
    HostSlot *slot_;  // never freed: plugins may keep its tables beyond this context
    std::atomic<bool> sealed_{false};
    std::atomic<int> faults_injected_{0};

    mutable std::mutex mutex_;  // guards the members below
    // Shared: a call holds its instance for as long as it runs, so dropping the map's references
    // (release_operation_instances) never frees an instance a plugin thread is still inside.
    std::map<std::pair<std::string, const dh_host *>, std::shared_ptr<ComponentInstance>> probes_;
    std::vector<Assertion> assertions_;
    std::vector<Measurement> measurements_;
};

}  // namespace drillhost
