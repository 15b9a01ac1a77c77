#include "host_context.hpp"

#include "host_capabilities.hpp"

#include <drillhost/core/errors.hpp>
#include <drillhost/core/param_schema.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace drillhost {
namespace {

// dh_host.last_error is per calling thread, as the ABI says.
thread_local std::string t_last_error;

char *copy_string(const std::string &text) {
    char *out = static_cast<char *>(std::malloc(text.size() + 1));
    if (out) std::memcpy(out, text.c_str(), text.size() + 1);
    return out;
}

const char *verdict_name(dh_verdict verdict) {
    switch (verdict) {
        case DH_VERDICT_PASS:
            return "pass";
        case DH_VERDICT_FAIL:
            return "fail";
        case DH_VERDICT_SKIP:
            return "skip";
        default:
            return "invalid";
    }
}

// Guards every host entry point: an exception never crosses back into the plugin.
template <class Body>
dh_status guarded(Body &&body) noexcept {
    try {
        return body();
    } catch (const std::exception &e) {
        t_last_error = e.what();
        return DH_ERR_INTERNAL;
    } catch (...) {
        t_last_error = "unknown error in the host";
        return DH_ERR_INTERNAL;
    }
}

std::string text_or_empty(const char *text) {
    return text ? text : "";
}

}  // namespace

HostContext::HostContext(const Registry &registry, FaultLedger &ledger, Journal &journal,
                         std::shared_ptr<const Cancellation> cancellation, std::string drill,
                         std::string target_json, LogSink log)
    : registry_(registry),
      ledger_(ledger),
      journal_(journal),
      cancellation_(std::move(cancellation)),
      drill_(std::move(drill)),
      target_json_(std::move(target_json)),
      log_(std::move(log)) {
    table_.struct_size = sizeof(dh_host);
    table_.abi_major = DH_ABI_VERSION_MAJOR;
    table_.abi_minor = DH_ABI_VERSION_MINOR;
    table_.host_data = this;
    table_.log = &host_log;
    table_.monotonic_ns = &host_monotonic_ns;
    table_.is_cancelled = &host_is_cancelled;
    table_.sleep_ms = &host_sleep_ms;
    table_.record_event = &host_record_event;
    table_.call_probe = &host_call_probe;
    table_.inject_fault = &host_inject_fault;
    table_.revert_fault = &host_revert_fault;
    table_.emit_measurement = &host_emit_measurement;
    table_.emit_verdict = &host_emit_verdict;
    table_.target_json = &host_target_json;
    table_.last_error = &host_last_error;
    table_.free_string = &host_free_string;
    table_.call = &host_call;
    cleanup_table_ = table_;
    cleanup_table_.is_cancelled = &cleanup_is_cancelled;
    cleanup_table_.sleep_ms = &cleanup_sleep_ms;
}

HostContext::~HostContext() = default;

HostContext &HostContext::self(const dh_host *host) {
    return *static_cast<HostContext *>(host->host_data);
}

void HostContext::fail(const std::string &message) {
    t_last_error = message;
}

void HostContext::log(dh_severity severity, const std::string &component, const std::string &message) const {
    if (log_) log_(severity, component, message);
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (severity >= DH_LOG_INFO && severity <= DH_LOG_ERROR)
        journal_.write({{"type", "log"},
                        {"drill", drill_},
                        {"component", component},
                        {"severity", names[severity]},
                        {"message", message}});
}

std::vector<Assertion> HostContext::assertions() const {
    std::lock_guard lock(mutex_);
    return assertions_;
}

std::vector<Measurement> HostContext::measurements() const {
    std::lock_guard lock(mutex_);
    return measurements_;
}

FaultReverter HostContext::reverter() {
    return FaultReverter(registry_, ledger_, &cleanup_table_,
                         [this](bool is_error, const std::string &message) {
                             log(is_error ? DH_LOG_ERROR : DH_LOG_INFO, "drillhost", message);
                         });
}

std::vector<RevertOutcome> HostContext::revert_open_faults() {
    auto outcomes = reverter().revert_open(drill_);
    for (const auto &o : outcomes)
        journal_.write({{"type", o.reverted ? "fault.reverted" : "fault.revert_failed"},
                        {"drill", drill_},
                        {"fault", o.fault},
                        {"injector", o.injector},
                        {"by", "cleanup"},
                        {"error", o.error}});
    return outcomes;
}

std::string HostContext::prepare_params(const Component &component, const std::string &text,
                                        nlohmann::json &out) const {
    auto parsed = nlohmann::json::parse(text.empty() ? "{}" : text, nullptr, false);
    if (parsed.is_discarded()) return component.id + ": parameters are not valid JSON: " + text.substr(0, 80);
    out = component.validator->with_defaults(std::move(parsed));
    if (auto violation = component.validator->first_violation(out))
        return component.id + ": parameter " + *violation;
    return {};
}

dh_status HostContext::call_probe(const std::string &id, const std::string &params_text, char **result) {
    const Component *probe = registry_.find(id);
    if (probe == nullptr || probe->kind != DH_KIND_PROBE) {
        fail("no probe '" + id + "' is loaded");
        return DH_ERR_NOT_FOUND;
    }
    nlohmann::json params;
    if (auto error = prepare_params(*probe, params_text, params); !error.empty()) {
        fail(error);
        return DH_ERR_INVALID_ARGUMENT;
    }
    ComponentInstance *instance = nullptr;
    {
        std::lock_guard lock(mutex_);
        auto &slot = probes_[id];
        if (!slot) slot = std::make_unique<ComponentInstance>(*probe, &table_);
        instance = slot.get();
    }
    CallResult sample = instance->sample(params.dump());
    if (!sample.ok()) {
        fail(id + ": " + sample.text);
        journal_.write({{"type", "probe.failed"}, {"drill", drill_}, {"probe", id}, {"error", sample.text}});
        return sample.status;
    }
    *result = copy_string(sample.text);
    return DH_OK;
}

dh_status HostContext::inject_fault(const std::string &id, const std::string &params_text,
                                    uint64_t *fault_id) {
    if (sealed_ || cancellation_->cancelled()) {
        fail("no new faults: the drill is " +
             std::string(sealed_ ? "over" : "cancelled (" + cancellation_->reason() + ")"));
        return DH_ERR_CANCELLED;
    }
    const Component *injector = registry_.find(id);
    if (injector == nullptr || injector->kind != DH_KIND_INJECTOR) {
        fail("no injector '" + id + "' is loaded");
        return DH_ERR_NOT_FOUND;
    }
    nlohmann::json params;
    if (auto error = prepare_params(*injector, params_text, params); !error.empty()) {
        fail(error);
        return DH_ERR_INVALID_ARGUMENT;
    }
    // The ledger first: if this process dies from here on, `recover` knows about the fault.
    uint64_t id_in_ledger = ledger_.record_intent(id, injector->plugin_path, drill_, params);
    CallResult injected;
    try {
        ComponentInstance instance(*injector, &table_);
        injected = instance.inject(params.dump());
    } catch (const InfraError &e) {
        injected = {DH_ERR_INTERNAL, e.what()};
    }
    if (!injected.ok()) {
        // The injector promises to leave nothing behind when it fails: the fault is not open.
        ledger_.record_failed(id_in_ledger, injected.text);
        journal_.write({{"type", "fault.inject_failed"},
                        {"drill", drill_},
                        {"fault", id_in_ledger},
                        {"injector", id},
                        {"params", params},
                        {"error", injected.text}});
        fail(id + ": " + injected.text);
        return injected.status;
    }
    auto record = nlohmann::json::parse(injected.text, nullptr, false);
    ++faults_injected_;  // applied, whatever its record is worth
    if (record.is_discarded() || !record.is_object()) {
        // Applied, but its record is useless: it stays an unconfirmed intent, reverted from its params.
        fail(id +
             ": inject returned a record that is not a JSON object; the fault will be reverted from its "
             "params");
        return DH_ERR_INTERNAL;
    }
    ledger_.record_applied(id_in_ledger, record);
    journal_.write({{"type", "fault.injected"},
                    {"drill", drill_},
                    {"fault", id_in_ledger},
                    {"injector", id},
                    {"params", params},
                    {"record", record}});
    *fault_id = id_in_ledger;
    return DH_OK;
}

dh_status HostContext::revert_fault(uint64_t fault_id) {
    auto entry = ledger_.entry(fault_id);
    if (!entry || entry->drill != drill_) {
        fail("no fault " + std::to_string(fault_id) + " was injected by this drill");
        return DH_ERR_NOT_FOUND;
    }
    if (!entry->open()) return DH_OK;  // reverting twice changes nothing
    RevertOutcome outcome = reverter().revert(*entry);
    journal_.write({{"type", outcome.reverted ? "fault.reverted" : "fault.revert_failed"},
                    {"drill", drill_},
                    {"fault", fault_id},
                    {"injector", entry->injector},
                    {"by", "drill"},
                    {"error", outcome.error}});
    if (outcome.reverted) return DH_OK;
    fail(outcome.error);
    return DH_ERR_FAILED;
}

// ---- C entry points: unwrap the context, guard, forward. ----

void HostContext::host_log(const dh_host *host, dh_severity severity, const char *component,
                           const char *message) {
    guarded([&] {
        auto &ctx = self(host);
        std::string who = component && *component ? component : ctx.drill_.empty() ? "drillhost" : ctx.drill_;
        ctx.log(severity, who, text_or_empty(message));
        return DH_OK;
    });
}

uint64_t HostContext::host_monotonic_ns(const dh_host *host) {
    return static_cast<uint64_t>(self(host).journal_.mono_ms() * 1e6);
}

int32_t HostContext::host_is_cancelled(const dh_host *host) {
    return self(host).cancellation_->cancelled() ? 1 : 0;
}

int32_t HostContext::cleanup_is_cancelled(const dh_host *) {
    return 0;
}

dh_status HostContext::cleanup_sleep_ms(const dh_host *, uint64_t ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return DH_OK;
}

dh_status HostContext::host_sleep_ms(const dh_host *host, uint64_t ms) {
    auto &ctx = self(host);
    if (ctx.cancellation_->sleep_for(std::chrono::milliseconds(ms))) return DH_OK;
    fail("cancelled: " + ctx.cancellation_->reason());
    return DH_ERR_CANCELLED;
}

dh_status HostContext::host_record_event(const dh_host *host, const char *name, const char *details) {
    return guarded([&] {
        auto &ctx = self(host);
        auto parsed = nlohmann::json::parse(details && *details ? details : "{}", nullptr, false);
        if (parsed.is_discarded()) {
            fail(std::string("event '") + text_or_empty(name) + "': details are not valid JSON");
            return DH_ERR_INVALID_ARGUMENT;
        }
        ctx.journal_.write(
            {{"type", "event"}, {"drill", ctx.drill_}, {"name", text_or_empty(name)}, {"details", parsed}});
        return DH_OK;
    });
}

dh_status HostContext::host_call_probe(const dh_host *host, const char *id, const char *params,
                                       char **result) {
    if (result == nullptr) {
        fail("call_probe: result_json must not be NULL");
        return DH_ERR_INVALID_ARGUMENT;
    }
    *result = nullptr;
    return guarded([&] { return self(host).call_probe(text_or_empty(id), text_or_empty(params), result); });
}

dh_status HostContext::host_call(const dh_host *host, const char *capability, const char *request,
                                 char **result) {
    if (result == nullptr) {
        fail("call: result_json must not be NULL");
        return DH_ERR_INVALID_ARGUMENT;
    }
    *result = nullptr;
    std::string name = text_or_empty(capability);
    auto parsed = nlohmann::json::parse(text_or_empty(request), nullptr, false);
    if (parsed.is_discarded()) {
        fail("call " + name + ": the request is not JSON");
        return DH_ERR_INVALID_ARGUMENT;
    }
    HostContext &context = self(host);
    try {
        auto target = nlohmann::json::parse(context.target_json_, nullptr, false);
        std::string run_id = context.ledger_.path().stem().string();
        *result = copy_string(call_capability(name, parsed, {target, run_id, context.drill_}).dump());
        return DH_OK;
    } catch (const UsageError &e) {
        fail(e.what());
        return DH_ERR_INVALID_ARGUMENT;
    } catch (const InfraError &e) {
        fail(e.what());
        return DH_ERR_UNAVAILABLE;
    } catch (const std::exception &e) {
        fail(name + ": " + e.what());
        return DH_ERR_INTERNAL;
    }
}

dh_status HostContext::host_inject_fault(const dh_host *host, const char *id, const char *params,
                                         uint64_t *fault_id) {
    if (fault_id == nullptr) {
        fail("inject_fault: fault_id must not be NULL");
        return DH_ERR_INVALID_ARGUMENT;
    }
    *fault_id = 0;
    return guarded(
        [&] { return self(host).inject_fault(text_or_empty(id), text_or_empty(params), fault_id); });
}

dh_status HostContext::host_revert_fault(const dh_host *host, uint64_t fault_id) {
    return guarded([&] { return self(host).revert_fault(fault_id); });
}

dh_status HostContext::host_emit_measurement(const dh_host *host, const char *name, double value,
                                             const char *unit) {
    return guarded([&] {
        auto &ctx = self(host);
        Measurement m{text_or_empty(name), value, text_or_empty(unit)};
        ctx.journal_.write({{"type", "measurement"},
                            {"drill", ctx.drill_},
                            {"name", m.name},
                            {"value", m.value},
                            {"unit", m.unit}});
        std::lock_guard lock(ctx.mutex_);
        ctx.measurements_.push_back(std::move(m));
        return DH_OK;
    });
}

dh_status HostContext::host_emit_verdict(const dh_host *host, const char *name, dh_verdict verdict,
                                         const char *observed, const char *bound) {
    return guarded([&] {
        auto &ctx = self(host);
        if (verdict != DH_VERDICT_PASS && verdict != DH_VERDICT_FAIL && verdict != DH_VERDICT_SKIP) {
            fail("verdict '" + text_or_empty(name) + "': " + std::to_string(verdict) +
                 " is not pass, fail or skip");
            return DH_ERR_INVALID_ARGUMENT;
        }
        Assertion a{text_or_empty(name), verdict, text_or_empty(observed), text_or_empty(bound)};
        ctx.journal_.write({{"type", "verdict"},
                            {"drill", ctx.drill_},
                            {"name", a.name},
                            {"verdict", verdict_name(verdict)},
                            {"observed", a.observed},
                            {"bound", a.bound}});
        // To the console only: the journal already has the verdict line.
        if (ctx.log_)
            ctx.log_(verdict == DH_VERDICT_FAIL ? DH_LOG_WARN : DH_LOG_INFO, ctx.drill_,
                     std::string(verdict_name(verdict)) + ": " + a.name + " (observed " + a.observed +
                         ", bound " + a.bound + ")");
        std::lock_guard lock(ctx.mutex_);
        ctx.assertions_.push_back(std::move(a));
        return DH_OK;
    });
}

const char *HostContext::host_target_json(const dh_host *host) {
    return self(host).target_json_.c_str();
}

const char *HostContext::host_last_error(const dh_host *) {
    return t_last_error.c_str();
}

void HostContext::host_free_string(const dh_host *, char *text) {
    std::free(text);
}

}  // namespace drillhost
