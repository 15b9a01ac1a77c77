// Reverts ledger entries through their injectors, with retries and backoff, and records the
// outcome in the ledger. Used at the end of every drill, by revert_fault and by `recover`.
#pragma once

#include <drillhost/core/fault_ledger.hpp>
#include <drillhost/core/registry.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace drillhost {

struct RevertPolicy {
    int attempts = 4;
    std::chrono::milliseconds first_backoff{500};  // doubled after each failed attempt
    // A revert run in a worker process (worker.hpp) that is still at it after this is killed and
    // counts as failed: a hung injector must not hold up the other faults for ever.
    std::chrono::milliseconds worker_bound{std::chrono::minutes(10)};
};

struct RevertOutcome {
    uint64_t fault = 0;
    std::string injector;
    bool reverted = false;
    std::string error;  // the last attempt's error when not reverted
};

class FaultReverter {
  public:
    using Logger = std::function<void(bool is_error, const std::string &message)>;

    FaultReverter(const Registry &registry, FaultLedger &ledger, const dh_host *host, Logger log,
                  RevertPolicy policy = {});

    RevertOutcome revert(const FaultEntry &entry);
    // Reverts every open fault (of `drill`, or all), newest first.
    std::vector<RevertOutcome> revert_open(const std::string &drill = {});

  private:
    const Registry &registry_;
    FaultLedger &ledger_;
    const dh_host *host_;
    Logger log_;
    RevertPolicy policy_;
};

}  // namespace drillhost
