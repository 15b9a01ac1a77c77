#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/fault_reverter.hpp>
#include <drillhost/core/instance.hpp>

#include <optional>
#include <thread>

namespace drillhost {

FaultReverter::FaultReverter(const Registry &registry, FaultLedger &ledger, const dh_host *host, Logger log,
                             RevertPolicy policy)
    : registry_(registry), ledger_(ledger), host_(host), log_(std::move(log)), policy_(policy) {}

namespace {

// The undo operation's params: the act's record, or its params when the act never confirmed
// (plugin_api.h, dh_operation.undo).
// Validated like every params the host hands a plugin: a record written by another version of the
// component may not be what this one's undo accepts. nullopt, with `why`, when it is refused.
std::optional<std::string> undo_params(const Operation &undo, const FaultEntry &entry, std::string &why) {
    nlohmann::json params = entry.state == FaultEntry::State::intent
                                ? nlohmann::json{{"unconfirmed", entry.params}}
                                : nlohmann::json{{"record", entry.record}};
    params = undo.params->with_defaults(std::move(params));
    if (auto violation = undo.params->first_violation(params)) {
        why = "the undo " + undo.name + " refuses this record: parameter " + *violation;
        return std::nullopt;
    }
    return dump_json(params);
}

}  // namespace

RevertOutcome FaultReverter::revert(const FaultEntry &entry) {
    RevertOutcome outcome{entry.id, entry.injector, false, {}};
    // A ledger written before a component was renamed names it by a former id: its alias.
    const Component *component = registry_.find(entry.injector);
    if (component == nullptr) {
        try {
            component =
                registry_.find(registry_.resolve(entry.injector, entry.cleanup() ? 0 : DH_KIND_INJECTOR));
        } catch (const UsageError &) {
            component = nullptr;  // a name two components share: not loaded, as below says
        }
    }
    const Operation *undo = component && entry.cleanup() ? component->operation(entry.undo) : nullptr;
    bool usable = entry.cleanup() ? undo != nullptr && undo->route == OperationRoute::invoke
                                  : component != nullptr && component->kind == DH_KIND_INJECTOR;
    if (!usable) {
        std::string what = entry.cleanup()
                               ? "component '" + entry.injector + "' with operation '" + entry.undo + "'"
                               : "injector '" + entry.injector + "'";
        outcome.error = what + " is not loaded (it came from " + entry.plugin_path +
                        "); load it with --load and run `drillhost recover`";
        ledger_.record_revert_failed(entry.id, outcome.error);
        log_(true, "fault " + std::to_string(entry.id) + ": " + outcome.error);
        return outcome;
    }
    bool unconfirmed = entry.state == FaultEntry::State::intent;
    std::string record;
    if (undo) {
        std::string why;
        auto params = undo_params(*undo, entry, why);
        if (!params) {
            outcome.error = why;
            ledger_.record_revert_failed(entry.id, outcome.error);
            log_(true, "fault " + std::to_string(entry.id) + " (" + entry.injector + "): " + outcome.error);
            return outcome;
        }
        record = *params;
    } else {
        record = dump_json(unconfirmed ? entry.params : entry.record);
    }
    uint32_t flags = unconfirmed ? DH_REVERT_UNCONFIRMED : 0;

    auto backoff = policy_.first_backoff;
    for (int attempt = 1; attempt <= policy_.attempts; ++attempt) {
        try {
            // A fresh instance per revert: a record must be enough on its own, as after a crash.
            ComponentInstance instance(*component, host_);
            CallResult result = undo ? instance.invoke(undo->name, record) : instance.revert(record, flags);
            if (result.ok()) {
                ledger_.record_reverted(entry.id);
                outcome.reverted = true;
                outcome.error.clear();
                return outcome;
            }
            // The injector's text may be any bytes: the ledger, the journal and the log want UTF-8.
            outcome.error = valid_utf8(std::string(status_name(result.status)) + ": " + result.text);
        } catch (const InfraError &e) {
            outcome.error = valid_utf8(e.what());
        }
        ledger_.record_revert_failed(entry.id, outcome.error);
        log_(true, "revert of fault " + std::to_string(entry.id) + " (" + entry.injector +
                       ") failed, attempt " + std::to_string(attempt) + "/" +
                       std::to_string(policy_.attempts) + ": " + outcome.error);
        if (attempt < policy_.attempts) {
            std::this_thread::sleep_for(backoff);
            backoff *= 2;
        }
    }
    log_(true, "FAULT LEFT OPEN: fault " + std::to_string(entry.id) + " (" + entry.injector +
                   ") could not be reverted; it stays open in " + ledger_.path().string() +
                   " — fix the cause and run `drillhost recover`");
    return outcome;
}

std::vector<RevertOutcome> FaultReverter::revert_open(const std::string &drill) {
    std::vector<RevertOutcome> outcomes;
    for (const auto &entry : ledger_.open_faults(drill)) outcomes.push_back(revert(entry));
    return outcomes;
}

}  // namespace drillhost
