#include "host_context.hpp"

#include "host_capabilities.hpp"
#include "json_pointer_read.hpp"

#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/param_schema.hpp>
#include <drillhost/core/result_validation.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace drillhost {

// The part of a context that plugins can reach, kept for the life of the process: the tables,
// what answers without the context (clock, target text), and a guarded way to the context.
struct HostSlot {
    dh_host table{};
    dh_host cleanup_table{};  // for injectors reverting faults: never cancelled
    std::string drill;
    std::string target_json;  // target_json() stays valid even for a thread that kept it
    std::chrono::steady_clock::time_point clock_start;

    std::mutex mutex;  // guards the members below
    std::condition_variable idle;
    HostContext *context = nullptr;  // null once the context is gone
    bool drill_running = true;       // false once the drill's run returned
    int in_flight = 0;               // calls inside the context now
    bool warned = false;             // a refused call was reported
    std::shared_ptr<LateCallSink> sink;
};

// A new slot, never freed (see host_context.hpp). Each is also listed in a static list that is never
// destroyed: a slot stays reachable, so LeakSanitizer (scripts/sanitize.sh) does not report it
// as a leak once its context is gone, and no exit-time destructor can free one a plugin thread uses.
static HostSlot *new_host_slot() {
    static std::mutex mutex;
    static auto *slots = new std::vector<std::unique_ptr<HostSlot>>;
    std::lock_guard lock(mutex);
    return slots->emplace_back(std::make_unique<HostSlot>()).get();
}

namespace {

// dh_host.last_error is per calling thread, as the ABI says.
thread_local std::string t_last_error;

// The observe operation this thread is inside, if any: while it runs, the host refuses acts and
// faults asked for on the same thread, the one effect the host can see a plugin break.
thread_local const std::string *t_observing = nullptr;

class Observing {
  public:
    explicit Observing(const std::string *what) : previous_(t_observing) {
        if (what) t_observing = what;
    }
    ~Observing() { t_observing = previous_; }
    Observing(const Observing &) = delete;
    Observing &operator=(const Observing &) = delete;

  private:
    const std::string *previous_;
};

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

// A plugin that passes NULL (or a table the host did not make) where its host table goes: refused
// with DH_ERR_INVALID_ARGUMENT, never dereferenced. A worker would survive the crash, but the host
// does not crash on a plugin's bad argument, and under UBSan it must not even read through it.
struct NullHostTable : std::invalid_argument {
    NullHostTable() : std::invalid_argument("the host table passed to a host function is NULL") {}
};

// Guards every host entry point: an exception never crosses back into the plugin.
template <class Body>
dh_status guarded(Body &&body) noexcept {
    try {
        return body();
    } catch (const NullHostTable &e) {
        t_last_error = e.what();
        return DH_ERR_INVALID_ARGUMENT;
    } catch (const std::exception &e) {
        t_last_error = valid_utf8(e.what());
        return DH_ERR_INTERNAL;
    } catch (...) {
        t_last_error = "unknown error in the host";
        return DH_ERR_INTERNAL;
    }
}

// Text from a plugin, as the host keeps it: valid UTF-8 (invalid bytes become U+FFFD).
std::string plugin_text(const char *text) {
    return text ? valid_utf8(text) : std::string();
}

HostSlot &slot_of(const dh_host *host) {
    if (host == nullptr || host->host_data == nullptr) throw NullHostTable();
    return *static_cast<HostSlot *>(host->host_data);
}

// The longest sleep taken in one wait; longer ones are taken in pieces, so that no clock overflows.
constexpr auto sleep_piece = std::chrono::hours(24);

void sleep_without_cancellation(uint64_t ms) {
    // Capped where std::chrono::milliseconds (int64) still holds it; a piece at a time.
    auto left = std::chrono::milliseconds(std::min<uint64_t>(ms, uint64_t{1} << 62));
    while (left.count() > 0) {
        auto piece = std::min<std::chrono::milliseconds>(left, sleep_piece);
        std::this_thread::sleep_for(piece);
        left -= piece;
    }
}

}  // namespace

// One call into the context through a slot: refused once the drill's run returned (for the drill's
// table) or the context is gone; while it lasts, the context cannot go.
class HostCall {
  public:
    HostCall(const dh_host *host, const char *what) : slot_(slot_of(host)) {
        std::shared_ptr<LateCallSink> sink;
        std::string drill;
        {
            std::lock_guard lock(slot_.mutex);
            bool cleanup = host == &slot_.cleanup_table;
            if (slot_.context != nullptr && (cleanup || slot_.drill_running)) {
                context_ = slot_.context;
                ++slot_.in_flight;
                return;
            }
            t_last_error = std::string(what) +
                           ": called after the drill's run returned; a plugin's threads must not call the "
                           "host once run() has returned (docs/abi.md, \"Threading\")";
            if (slot_.warned) return;
            slot_.warned = true;
            sink = slot_.sink;
            drill = slot_.drill;
        }
        std::string message =
            "refused a call after run returned: " + (drill.empty() ? std::string("a plugin") : drill) +
            " called " + what +
            " from a thread that outlived its run(); further such calls are refused silently";
        if (sink) {
            sink->report(drill, message);
        } else {
            std::fprintf(stderr, "drillhost: warning: %s\n", message.c_str());
        }
    }
    ~HostCall() {
        if (!context_) return;
        std::lock_guard lock(slot_.mutex);
        if (--slot_.in_flight == 0) slot_.idle.notify_all();
    }
    HostCall(const HostCall &) = delete;
    HostCall &operator=(const HostCall &) = delete;

    explicit operator bool() const { return context_ != nullptr; }
    HostContext &operator*() const { return *context_; }
    HostContext *operator->() const { return context_; }

  private:
    HostSlot &slot_;
    HostContext *context_ = nullptr;
};

void LateCallSink::report(const std::string &drill, const std::string &message) {
    std::lock_guard lock(mutex_);
    if (log_) log_(DH_LOG_WARN, "drillhost", message);
    if (journal_)
        journal_->write({{"type", "log"},
                         {"drill", drill},
                         {"component", "drillhost"},
                         {"severity", "warn"},
                         {"message", message}});
}

void LateCallSink::close() {
    std::lock_guard lock(mutex_);
    journal_ = nullptr;
    log_ = nullptr;
}

HostContext::HostContext(const Registry &registry, FaultLedger *ledger, Journal &journal,
                         std::shared_ptr<const Cancellation> cancellation, std::string drill,
                         std::string target_json, LogSink log)
    : registry_(registry),
      ledger_(ledger),
      journal_(journal),
      cancellation_(std::move(cancellation)),
      drill_(std::move(drill)),
      target_json_(std::move(target_json)),
      log_(std::move(log)),
      slot_(new_host_slot()) {  // never freed, on purpose (see host_context.hpp)
    dh_host &table = slot_->table;
    table.struct_size = sizeof(dh_host);
    table.abi_major = DH_ABI_VERSION_MAJOR;
    table.abi_minor = DH_ABI_VERSION_MINOR;
    table.host_data = slot_;
    table.log = &host_log;
    table.monotonic_ns = &host_monotonic_ns;
    table.is_cancelled = &host_is_cancelled;
    table.sleep_ms = &host_sleep_ms;
    table.record_event = &host_record_event;
    table.call_probe = &host_call_probe;
    table.inject_fault = &host_inject_fault;
    table.revert_fault = &host_revert_fault;
    table.emit_measurement = &host_emit_measurement;
    table.emit_verdict = &host_emit_verdict;
    table.target_json = &host_target_json;
    table.last_error = &host_last_error;
    table.free_string = &host_free_string;
    table.call = &host_call;
    table.call_operation = &host_call_operation;
    table.json_string = &host_json_string;
    table.json_number = &host_json_number;
    table.json_bool = &host_json_bool;
    table.json_length = &host_json_length;
    slot_->cleanup_table = table;
    slot_->cleanup_table.is_cancelled = &cleanup_is_cancelled;
    slot_->cleanup_table.sleep_ms = &cleanup_sleep_ms;
    slot_->drill = drill_;
    slot_->target_json = target_json_;
    slot_->clock_start =
        std::chrono::steady_clock::now() - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                               std::chrono::duration<double, std::milli>(journal_.mono_ms()));
    std::lock_guard lock(slot_->mutex);
    slot_->context = this;
}

HostContext::~HostContext() {
    std::unique_lock lock(slot_->mutex);
    slot_->context = nullptr;
    slot_->idle.wait(lock, [this] { return slot_->in_flight == 0; });
}

const dh_host *HostContext::table() const {
    return &slot_->table;
}

void HostContext::end_of_run() {
    std::lock_guard lock(slot_->mutex);
    slot_->drill_running = false;
}

void HostContext::report_late_calls_to(std::shared_ptr<LateCallSink> sink) {
    std::lock_guard lock(slot_->mutex);
    slot_->sink = std::move(sink);
}

void HostContext::fail(const std::string &message) {
    t_last_error = valid_utf8(message);
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

FaultReverter HostContext::reverter(RevertPolicy policy) {
    return FaultReverter(
        registry_, *ledger_, &slot_->cleanup_table,
        [this](bool is_error, const std::string &message) {
            log(is_error ? DH_LOG_ERROR : DH_LOG_INFO, "drillhost", message);
        },
        policy);
}

RevertOutcome HostContext::revert(const FaultEntry &entry, RevertPolicy policy) {
    return reverter(policy).revert(entry);
}

void HostContext::release_operation_instances() {
    std::map<std::pair<std::string, const dh_host *>, std::shared_ptr<ComponentInstance>> done;
    {
        std::lock_guard lock(mutex_);
        done.swap(probes_);
    }
    // Destroyed here, outside the lock, unless a call still holds one (then when that call returns).
}

std::vector<RevertOutcome> HostContext::revert_open_faults() {
    if (ledger_ == nullptr) return {};
    // Newest first. The drill's probe instances go just before the first cleanup record is undone:
    // a writer's clients must stop before its table is dropped, and faults newer than the table
    // (a frozen or cut-off primary its clients may be waiting on) are reverted before that.
    std::vector<RevertOutcome> outcomes;
    FaultReverter reverting = reverter();
    bool released = false;
    for (const auto &entry : ledger_->open_faults(drill_)) {
        if (entry.cleanup() && !released) {
            release_operation_instances();
            released = true;
        }
        outcomes.push_back(reverting.revert(entry));
    }
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
    auto parsed = try_parse_bounded_json(text.empty() ? "{}" : text);
    if (!parsed)
        return valid_utf8(component.id + ": parameters are not valid JSON or nest deeper than " +
                          std::to_string(max_json_depth) + " levels: " + text.substr(0, 80));
    out = component.validator->with_defaults(std::move(*parsed));
    if (auto violation = component.validator->first_violation(out))
        return component.id + ": parameter " + *violation;
    return {};
}

dh_status HostContext::call_probe(const dh_host *via, const std::string &id, const std::string &params_text,
                                  char **result) {
    const Component *probe = registry_.find(id);
    if (probe == nullptr || probe->kind != DH_KIND_PROBE) {
        fail("no probe '" + id + "' is loaded");
        return DH_ERR_NOT_FOUND;
    }
    if (probe->operation("sample") && probe->operation("sample")->route == OperationRoute::sample)
        return call_operation(via, id, "sample", params_text, result);
    // A probe that declares operations, called the ABI 1.2 way: "request" names the operation (the
    // first one when absent), the other fields are its params.
    auto params = try_parse_bounded_json(params_text.empty() ? "{}" : params_text);
    if (!params || !params->is_object()) {
        fail(id + ": parameters are not a JSON object (or nest deeper than " +
             std::to_string(max_json_depth) + " levels)");
        return DH_ERR_INVALID_ARGUMENT;
    }
    std::string operation = probe->operations.front().name;
    if (auto request = params->find("request"); request != params->end()) {
        if (!request->is_string()) {
            fail(id + ": \"request\" must be the name of one of its operations");
            return DH_ERR_INVALID_ARGUMENT;
        }
        operation = request->get<std::string>();
        params->erase("request");
    }
    return call_operation(via, id, operation, dump_json(*params), result);
}

std::shared_ptr<ComponentInstance> HostContext::operation_instance(const Component &component,
                                                                   const dh_host *via) {
    std::lock_guard lock(mutex_);
    // A probe called during a revert (through the cleanup table) gets that table, so its sleeps
    // and calls work after the drill's run returned; one called by the drill gets the drill's.
    auto &slot = probes_[{component.id, via}];
    if (!slot) slot = std::make_shared<ComponentInstance>(component, via);
    return slot;
}

std::string HostContext::result_problem(const Component &component, const Operation &op,
                                        const std::string &text) const {
    if (!results_validated()) return {};
    auto parsed = try_parse_bounded_json(text);
    if (!parsed) return "is not JSON, or nests deeper than " + std::to_string(max_json_depth) + " levels";
    if (auto violation = op.result->first_violation(*parsed))
        return "does not match its result schema: " + *violation + " (see `drillhost describe " +
               component.id + "`)";
    return {};
}

void HostContext::close_cleanup_record(const Component &component, const Operation &undo,
                                       const nlohmann::json &params) {
    auto record = params.find("record");
    if (ledger_ == nullptr || record == params.end()) return;
    for (const auto &entry : ledger_->open_faults(drill_))
        if (entry.cleanup() && entry.injector == component.id && entry.undo == undo.name &&
            entry.state == FaultEntry::State::applied && entry.record == *record) {
            ledger_->record_reverted(entry.id);
            journal_.write({{"type", "cleanup.done"},
                            {"drill", drill_},
                            {"fault", entry.id},
                            {"component", component.id},
                            {"operation", undo.name},
                            {"by", "drill"}});
            return;
        }
}

namespace {

// Acts are journalled with their result; a bulky one (a pgbench log) only by its size.
constexpr size_t journalled_result_bytes = 16 * 1024;

}  // namespace

dh_status HostContext::call_operation(const dh_host *via, const std::string &id, const std::string &name,
                                      const std::string &params_text, char **result) {
    const Component *component = registry_.find(id);
    if (component == nullptr || component->operations.empty()) {
        fail("no probe or injector '" + id + "' is loaded");
        return DH_ERR_NOT_FOUND;
    }
    const Operation *op = component->operation(name);
    if (op == nullptr) {
        std::string known;
        for (const auto &o : component->operations) known += (known.empty() ? "" : ", ") + o.name;
        fail(id + " has no operation '" + name + "'; it has: " + known);
        return DH_ERR_NOT_FOUND;
    }
    if (op->route == OperationRoute::inject) {
        if (t_observing != nullptr) {
            fail(*t_observing + " is an observe operation: it cannot inject a fault (" + id + ")");
            return DH_ERR_INVALID_ARGUMENT;
        }
        uint64_t fault = 0;
        dh_status status = inject_fault(id, params_text, &fault);
        if (status == DH_OK) *result = copy_string(dump_json({{"fault_id", fault}}));
        return status;
    }
    std::string where = id + "." + op->name;
    if (t_observing != nullptr && op->effect != DH_EFFECT_OBSERVE) {
        fail(*t_observing + " is an observe operation: it cannot call " + where + " (an " +
             effect_name(op->effect) + ") through the host; declare it an act");
        return DH_ERR_INVALID_ARGUMENT;
    }
    auto parsed = try_parse_bounded_json(params_text.empty() ? "{}" : params_text);
    if (!parsed) {
        fail(valid_utf8(where + ": parameters are not valid JSON or nest deeper than " +
                        std::to_string(max_json_depth) + " levels: " + params_text.substr(0, 80)));
        return DH_ERR_INVALID_ARGUMENT;
    }
    nlohmann::json params = op->params->with_defaults(std::move(*parsed));
    if (auto violation = op->params->first_violation(params)) {
        fail(where + ": parameter " + *violation);
        return DH_ERR_INVALID_ARGUMENT;
    }
    // An act that creates something is ledgered first, like a fault: if this process dies from here
    // on, the run's end or `recover` calls its undo.
    bool creates = op->effect == DH_EFFECT_ACT && !op->undo.empty();
    uint64_t cleanup = 0;
    if (creates) {
        if (ledger_ == nullptr) {
            fail(where + " is an act that creates something (undone by " + op->undo +
                 "), and nothing here can record its cleanup: call it from a drill");
            return DH_ERR_INVALID_ARGUMENT;
        }
        if (sealed_ || cancellation_->cancelled()) {
            fail("no new acts: the drill is " +
                 std::string(sealed_ ? "over" : "cancelled (" + cancellation_->reason() + ")"));
            return DH_ERR_CANCELLED;
        }
        cleanup =
            ledger_->record_cleanup_intent(id, component->plugin_path, drill_, op->name, op->undo, params);
    }
    CallResult called;
    try {
        Observing observing(op->effect == DH_EFFECT_OBSERVE ? &where : nullptr);
        std::shared_ptr<ComponentInstance> instance = operation_instance(*component, via);
        called = op->route == OperationRoute::sample ? instance->sample(dump_json(params))
                                                     : instance->invoke(op->name, dump_json(params));
    } catch (const InfraError &e) {
        called = {DH_ERR_INTERNAL, valid_utf8(e.what())};
    }
    nlohmann::json journal_entry = {{"type", "operation"},
                                    {"drill", drill_},
                                    {"component", id},
                                    {"operation", op->name},
                                    {"effect", effect_name(op->effect)},
                                    {"params", params}};
    if (cleanup != 0) journal_entry["fault"] = cleanup;
    if (!called.ok()) {
        // Like an injector, an act that fails leaves nothing behind: its cleanup record is not open.
        if (cleanup != 0) ledger_->record_failed(cleanup, called.text);
        journal_entry["type"] = "operation.failed";
        journal_entry["error"] = called.text;
        journal_.write(journal_entry);
        fail(where + ": " + called.text);
        return called.status;
    }
    if (cleanup != 0) {
        auto record = try_parse_bounded_json(called.text);
        if (!record || !record->is_object()) {
            // Done, but its record is useless: it stays an unconfirmed intent, undone from its params.
            fail(where +
                 ": returned a result that is not a JSON object; what it created will be undone "
                 "from its params");
            return DH_ERR_INTERNAL;
        }
        ledger_->record_applied(cleanup, *record);
    }
    if (op->is_undo) close_cleanup_record(*component, *op, params);
    if (op->effect == DH_EFFECT_ACT) {
        if (called.text.size() <= journalled_result_bytes) {
            journal_entry["result"] =
                try_parse_bounded_json(called.text).value_or(nlohmann::json(called.text));
        } else {
            journal_entry["result_bytes"] = called.text.size();
        }
        journal_.write(journal_entry);
    }
    if (auto problem = result_problem(*component, *op, called.text); !problem.empty()) {
        journal_.write({{"type", "operation.bad_result"},
                        {"drill", drill_},
                        {"component", id},
                        {"operation", op->name},
                        {"error", problem}});
        fail(where + ": its result " + problem);
        return DH_ERR_INTERNAL;
    }
    *result = copy_string(called.text);
    return DH_OK;
}

dh_status HostContext::inject_fault(const std::string &id, const std::string &params_text,
                                    uint64_t *fault_id) {
    if (t_observing != nullptr) {
        fail(*t_observing + " is an observe operation: it cannot inject a fault (" + id + ")");
        return DH_ERR_INVALID_ARGUMENT;
    }
    if (ledger_ == nullptr) {
        fail("inject_fault: not during a probe sample; only drills inject faults");
        return DH_ERR_INVALID_ARGUMENT;
    }
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
    uint64_t id_in_ledger = ledger_->record_intent(id, injector->plugin_path, drill_, params);
    CallResult injected;
    try {
        ComponentInstance instance(*injector, table());
        injected = instance.inject(dump_json(params));
    } catch (const InfraError &e) {
        injected = {DH_ERR_INTERNAL, valid_utf8(e.what())};
    }
    if (!injected.ok()) {
        // The injector promises to leave nothing behind when it fails: the fault is not open.
        ledger_->record_failed(id_in_ledger, injected.text);
        journal_.write({{"type", "fault.inject_failed"},
                        {"drill", drill_},
                        {"fault", id_in_ledger},
                        {"injector", id},
                        {"params", params},
                        {"error", injected.text}});
        fail(id + ": " + injected.text);
        return injected.status;
    }
    auto record = try_parse_bounded_json(injected.text);
    ++faults_injected_;  // applied, whatever its record is worth
    if (!record || !record->is_object()) {
        // Applied, but its record is useless: it stays an unconfirmed intent, reverted from its params.
        fail(id + ": inject returned a record that is not a JSON object (or nests deeper than " +
             std::to_string(max_json_depth) + " levels); the fault will be reverted from its params");
        return DH_ERR_INTERNAL;
    }
    ledger_->record_applied(id_in_ledger, *record);
    journal_.write({{"type", "fault.injected"},
                    {"drill", drill_},
                    {"fault", id_in_ledger},
                    {"injector", id},
                    {"params", params},
                    {"record", *record}});
    *fault_id = id_in_ledger;
    return DH_OK;
}

dh_status HostContext::revert_fault(uint64_t fault_id) {
    auto entry = ledger_ ? ledger_->entry(fault_id) : std::nullopt;
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

// ---- C entry points: reach the context through the slot, guard, sanitise, forward. ----

void HostContext::host_log(const dh_host *host, dh_severity severity, const char *component,
                           const char *message) {
    guarded([&]() -> dh_status {
        HostCall ctx(host, "log");
        if (!ctx) return DH_ERR_CANCELLED;  // dropped: reported once by HostCall
        std::string who = component && *component ? plugin_text(component)
                          : ctx->drill_.empty()   ? "drillhost"
                                                  : ctx->drill_;
        ctx->log(severity, who, plugin_text(message));
        return DH_OK;
    });
}

uint64_t HostContext::host_monotonic_ns(const dh_host *host) {
    if (host == nullptr || host->host_data == nullptr) return 0;  // NullHostTable: no clock to read
    auto since = std::chrono::steady_clock::now() - slot_of(host).clock_start;
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(since).count());
}

int32_t HostContext::host_is_cancelled(const dh_host *host) {
    int32_t cancelled = 1;
    // guarded: reporting a refused late call writes the journal, which may throw; never into a plugin.
    guarded([&]() -> dh_status {
        HostCall ctx(host, "is_cancelled");
        if (!ctx) return DH_ERR_CANCELLED;  // the drill is over: a thread still asking must stop
        cancelled = ctx->cancellation_->cancelled() ? 1 : 0;
        return DH_OK;
    });
    return cancelled;
}

int32_t HostContext::cleanup_is_cancelled(const dh_host *) {
    return 0;
}

dh_status HostContext::cleanup_sleep_ms(const dh_host *, uint64_t ms) {
    sleep_without_cancellation(ms);
    return DH_OK;
}

dh_status HostContext::host_sleep_ms(const dh_host *host, uint64_t ms) {
    std::shared_ptr<const Cancellation> cancellation;
    dh_status entered = guarded([&]() -> dh_status {
        HostCall ctx(host, "sleep_ms");
        if (!ctx) return DH_ERR_CANCELLED;
        cancellation = ctx->cancellation_;
        return DH_OK;
    });  // not inside the context while asleep: it may go meanwhile
    if (entered != DH_OK) return entered;
    // Capped where std::chrono::milliseconds (int64) still holds it; sleep_for waits in pieces.
    auto duration = std::chrono::milliseconds(std::min<uint64_t>(ms, uint64_t{1} << 62));
    if (cancellation->sleep_for(duration)) return DH_OK;
    fail("cancelled: " + cancellation->reason());
    return DH_ERR_CANCELLED;
}

dh_status HostContext::host_record_event(const dh_host *host, const char *name, const char *details) {
    return guarded([&]() -> dh_status {
        HostCall ctx(host, "record_event");
        if (!ctx) return DH_ERR_CANCELLED;
        std::string event = plugin_text(name);
        auto parsed = try_parse_bounded_json(details && *details ? plugin_text(details) : "{}");
        if (!parsed) {
            fail("event '" + event + "': details are not valid JSON or nest deeper than " +
                 std::to_string(max_json_depth) + " levels; pass a JSON object (or NULL)");
            return DH_ERR_INVALID_ARGUMENT;
        }
        ctx->journal_.write(
            {{"type", "event"}, {"drill", ctx->drill_}, {"name", event}, {"details", *parsed}});
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
    return guarded([&]() -> dh_status {
        HostCall ctx(host, "call_probe");
        if (!ctx) return DH_ERR_CANCELLED;
        return ctx->call_probe(host, plugin_text(id), plugin_text(params), result);
    });
}

dh_status HostContext::host_call(const dh_host *host, const char *capability, const char *request,
                                 char **result) {
    if (result == nullptr) {
        fail("call: result_json must not be NULL");
        return DH_ERR_INVALID_ARGUMENT;
    }
    *result = nullptr;
    return guarded([&]() -> dh_status {
        HostCall context(host, "call");
        if (!context) return DH_ERR_CANCELLED;
        std::string name = plugin_text(capability);
        auto parsed = try_parse_bounded_json(plugin_text(request));
        if (!parsed) {
            fail("call " + name + ": the request is not JSON or nests deeper than " +
                 std::to_string(max_json_depth) + " levels");
            return DH_ERR_INVALID_ARGUMENT;
        }
        try {
            auto target = try_parse_bounded_json(context->target_json_).value_or(nlohmann::json::object());
            std::string run_id =
                context->ledger_ ? context->ledger_->path().stem().string() : context->journal_.run_id();
            *result =
                copy_string(dump_json(call_capability(name, *parsed, {target, run_id, context->drill_})));
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
    });
}

dh_status HostContext::host_call_operation(const dh_host *host, const char *id, const char *operation,
                                           const char *params, char **result) {
    if (result == nullptr) {
        fail("call_operation: result_json must not be NULL");
        return DH_ERR_INVALID_ARGUMENT;
    }
    *result = nullptr;
    return guarded([&]() -> dh_status {
        HostCall ctx(host, "call_operation");
        if (!ctx) return DH_ERR_CANCELLED;
        return ctx->call_operation(host, plugin_text(id), plugin_text(operation), plugin_text(params),
                                   result);
    });
}

namespace {

// The JSON helpers need no context: they work on any table, even after the drill's run returned.
template <class Store>
dh_status json_read(const char *json, const char *pointer, const char *want,
                    bool (*accepts)(const nlohmann::json &), void *out, Store store) {
    if (out == nullptr) {
        t_last_error = std::string("the out-parameter for the ") + want + " must not be NULL";
        return DH_ERR_INVALID_ARGUMENT;
    }
    return guarded([&]() -> dh_status {
        JsonPointerRead read = read_json_pointer(json, pointer, want, accepts);
        if (read.status != DH_OK) {
            t_last_error = read.error;
            return read.status;
        }
        store(read.value);
        return DH_OK;
    });
}

}  // namespace

dh_status HostContext::host_json_string(const dh_host *, const char *json, const char *pointer,
                                        char **value) {
    if (value) *value = nullptr;
    return json_read(
        json, pointer, "a string", [](const nlohmann::json &v) { return v.is_string(); }, value,
        [&](const nlohmann::json &v) { *value = copy_string(v.get<std::string>()); });
}

dh_status HostContext::host_json_number(const dh_host *, const char *json, const char *pointer,
                                        double *value) {
    return json_read(
        json, pointer, "a number", [](const nlohmann::json &v) { return v.is_number(); }, value,
        [&](const nlohmann::json &v) { *value = v.get<double>(); });
}

dh_status HostContext::host_json_bool(const dh_host *, const char *json, const char *pointer,
                                      int32_t *value) {
    return json_read(
        json, pointer, "a boolean", [](const nlohmann::json &v) { return v.is_boolean(); }, value,
        [&](const nlohmann::json &v) { *value = v.get<bool>() ? 1 : 0; });
}

dh_status HostContext::host_json_length(const dh_host *, const char *json, const char *pointer,
                                        uint64_t *value) {
    return json_read(
        json, pointer, "an array or object",
        [](const nlohmann::json &v) { return v.is_array() || v.is_object(); }, value,
        [&](const nlohmann::json &v) { *value = v.size(); });
}

dh_status HostContext::host_inject_fault(const dh_host *host, const char *id, const char *params,
                                         uint64_t *fault_id) {
    if (fault_id == nullptr) {
        fail("inject_fault: fault_id must not be NULL");
        return DH_ERR_INVALID_ARGUMENT;
    }
    *fault_id = 0;
    return guarded([&]() -> dh_status {
        HostCall ctx(host, "inject_fault");
        if (!ctx) return DH_ERR_CANCELLED;
        return ctx->inject_fault(plugin_text(id), plugin_text(params), fault_id);
    });
}

dh_status HostContext::host_revert_fault(const dh_host *host, uint64_t fault_id) {
    return guarded([&]() -> dh_status {
        HostCall ctx(host, "revert_fault");
        if (!ctx) return DH_ERR_CANCELLED;
        return ctx->revert_fault(fault_id);
    });
}

dh_status HostContext::host_emit_measurement(const dh_host *host, const char *name, double value,
                                             const char *unit) {
    return guarded([&]() -> dh_status {
        HostCall ctx(host, "emit_measurement");
        if (!ctx) return DH_ERR_CANCELLED;
        Measurement m{plugin_text(name), value, plugin_text(unit)};
        if (!std::isfinite(value)) {
            std::string shown = std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
            std::string message = "measurement '" + m.name + "': value " + shown +
                                  " is not a finite number; it was not recorded (emit only finite values)";
            fail(message);
            ctx->log(DH_LOG_WARN, ctx->drill_.empty() ? "drillhost" : ctx->drill_, message);
            return DH_ERR_INVALID_ARGUMENT;
        }
        ctx->journal_.write({{"type", "measurement"},
                             {"drill", ctx->drill_},
                             {"name", m.name},
                             {"value", m.value},
                             {"unit", m.unit}});
        std::lock_guard lock(ctx->mutex_);
        ctx->measurements_.push_back(std::move(m));
        return DH_OK;
    });
}

dh_status HostContext::host_emit_verdict(const dh_host *host, const char *name, dh_verdict verdict,
                                         const char *observed, const char *bound) {
    return guarded([&]() -> dh_status {
        HostCall ctx(host, "emit_verdict");
        if (!ctx) return DH_ERR_CANCELLED;
        if (verdict != DH_VERDICT_PASS && verdict != DH_VERDICT_FAIL && verdict != DH_VERDICT_SKIP) {
            fail("verdict '" + plugin_text(name) + "': " + std::to_string(verdict) +
                 " is not pass, fail or skip");
            return DH_ERR_INVALID_ARGUMENT;
        }
        Assertion a{plugin_text(name), verdict, plugin_text(observed), plugin_text(bound)};
        ctx->journal_.write({{"type", "verdict"},
                             {"drill", ctx->drill_},
                             {"name", a.name},
                             {"verdict", verdict_name(verdict)},
                             {"observed", a.observed},
                             {"bound", a.bound}});
        // To the console only: the journal already has the verdict line.
        if (ctx->log_)
            ctx->log_(verdict == DH_VERDICT_FAIL ? DH_LOG_WARN : DH_LOG_INFO, ctx->drill_,
                      std::string(verdict_name(verdict)) + ": " + a.name + " (observed " + a.observed +
                          ", bound " + a.bound + ")");
        std::lock_guard lock(ctx->mutex_);
        ctx->assertions_.push_back(std::move(a));
        return DH_OK;
    });
}

const char *HostContext::host_target_json(const dh_host *host) {
    if (host == nullptr || host->host_data == nullptr) return "null";  // NullHostTable: no target
    return slot_of(host).target_json.c_str();
}

const char *HostContext::host_last_error(const dh_host *) {
    return t_last_error.c_str();
}

void HostContext::host_free_string(const dh_host *, char *text) {
    std::free(text);
}

}  // namespace drillhost
