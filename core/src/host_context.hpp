// The host table (dh_host) given to plugins during one drill, or during recovery.
// Internal to the core: plugins see only the C table, harnesses only the Runner.
#pragma once

#include <drillhost/core/cancellation.hpp>
#include <drillhost/core/fault_ledger.hpp>
#include <drillhost/core/fault_reverter.hpp>
#include <drillhost/core/instance.hpp>
#include <drillhost/core/journal.hpp>
#include <drillhost/core/registry.hpp>
#include <drillhost/core/runner.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace drillhost {

using LogSink = std::function<void(dh_severity, const std::string &component, const std::string &message)>;

class HostContext {
  public:
    HostContext(const Registry &registry, FaultLedger &ledger, Journal &journal,
                std::shared_ptr<const Cancellation> cancellation, std::string drill, std::string target_json,
                LogSink log);
    ~HostContext();
    HostContext(const HostContext &) = delete;
    HostContext &operator=(const HostContext &) = delete;

    const dh_host *table() const { return &table_; }

    // After the drill ended: inject_fault is refused from now on (a drill thread that ignored
    // cancellation must not add faults while they are being reverted).
    void seal() { sealed_ = true; }

    std::vector<Assertion> assertions() const;
    std::vector<Measurement> measurements() const;
    int faults_injected() const { return faults_injected_; }

    // Reverts this drill's open faults, newest first, with a host table that is never cancelled.
    std::vector<RevertOutcome> revert_open_faults();

    void log(dh_severity severity, const std::string &component, const std::string &message) const;
    Journal &journal() const { return journal_; }

  private:
    static HostContext &self(const dh_host *host);
    static void fail(const std::string &message);

    static void host_log(const dh_host *, dh_severity, const char *, const char *);
    static uint64_t host_monotonic_ns(const dh_host *);
    static int32_t host_is_cancelled(const dh_host *);
    static dh_status host_sleep_ms(const dh_host *, uint64_t);
    static int32_t cleanup_is_cancelled(const dh_host *);
    static dh_status cleanup_sleep_ms(const dh_host *, uint64_t);
    FaultReverter reverter();
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

    dh_status call_probe(const std::string &id, const std::string &params, char **result);
    dh_status inject_fault(const std::string &id, const std::string &params, uint64_t *fault_id);
    dh_status revert_fault(uint64_t fault_id);
    // Parses `params` and validates them against `component`'s schema; "" when valid, else why.
    std::string prepare_params(const Component &component, const std::string &text,
                               nlohmann::json &out) const;

    const Registry &registry_;
    FaultLedger &ledger_;
    Journal &journal_;
    std::shared_ptr<const Cancellation> cancellation_;
    std::string drill_;
    std::string target_json_;
    LogSink log_;
    dh_host table_{};
    // The same table for injectors reverting faults: never cancelled, so cleanup always runs whole.
    dh_host cleanup_table_{};
    std::atomic<bool> sealed_{false};
    std::atomic<int> faults_injected_{0};

    mutable std::mutex mutex_;  // guards the members below
    std::map<std::string, std::unique_ptr<ComponentInstance>> probes_;
    std::vector<Assertion> assertions_;
    std::vector<Measurement> measurements_;
};

}  // namespace drillhost
