#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/file_trust.hpp>
#include <drillhost/core/redact.hpp>
#include <drillhost/core/runner.hpp>
#include <drillhost/core/version.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <drillhost/core/instance.hpp>
#include "host_context.hpp"
#include "worker/isolated_revert.hpp"
#include "worker/worker_process.hpp"

namespace drillhost {
namespace {

using Clock = std::chrono::steady_clock;

// What the drill thread hands back. Shared, because an abandoned thread may outlive the run.
struct DrillThreadState {
    std::atomic<bool> done{false};
    CallResult result;
    std::mutex mutex;  // with `ended`: the runner wakes as soon as the drill returns
    std::condition_variable ended;

    void finish() {
        std::lock_guard lock(mutex);
        done = true;
        ended.notify_all();
    }
    void wait_a_little() {
        std::unique_lock lock(mutex);
        ended.wait_for(lock, std::chrono::milliseconds(20), [this] { return done.load(); });
    }
};

std::string seconds_text(std::chrono::milliseconds d) {
    return std::to_string(d.count() / 1000.0).substr(0, 5) + " s";
}

}  // namespace

struct Execution;

const char *outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::passed:
            return "passed";
        case Outcome::failed:
            return "failed";
        case Outcome::skipped:
            return "skipped";
        case Outcome::cancelled:
            return "cancelled";
        case Outcome::timed_out:
            return "timed out";
        case Outcome::error:
            return "error";
        case Outcome::crashed:
            return "crashed";
    }
    return "unknown";
}

// UTC time to the millisecond, then the pid: run ids sort in the order runs started, which is the
// order recover undoes them in (newest first).
std::string make_run_id() {
    auto now = std::chrono::system_clock::now();
    auto seconds = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%S", &utc);
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms));
    return std::string(text) + millis + "-" + std::to_string(::getpid());
}

// Where the journal goes: --journal as given, or <state>/runs/<run id>.jsonl in a private runs/.
static std::filesystem::path journal_location(const RunnerOptions &options, const std::string &run_id) {
    if (options.journal_path) return *options.journal_path;
    ensure_private_directory(options.state_dir / "runs", "run journal directory");
    return options.state_dir / "runs" / (run_id + ".jsonl");
}

// The caller's callbacks (log, on_journal_entry) are reachable only while its Runner lives: a call
// an abandoned drill was already making when the Runner went must not reach a harness that is gone.
struct CallbackGate {
    std::recursive_mutex mutex;  // a callback may log
    bool open = true;

    void close() {
        std::lock_guard lock(mutex);  // waits for a callback under way
        open = false;
    }
};

static LogSink gated(LogSink log, std::shared_ptr<CallbackGate> gate) {
    if (!log) return {};
    return [log = std::move(log), gate = std::move(gate)](dh_severity severity, const std::string &component,
                                                          const std::string &message) {
        std::lock_guard lock(gate->mutex);
        if (gate->open) log(severity, component, message);
    };
}

// The host's log lines (plugins' included) with passwords redacted before they reach the caller.
static LogSink redacting(LogSink log) {
    if (!log) return {};
    return [log = std::move(log)](dh_severity severity, const std::string &component,
                                  const std::string &message) {
        log(severity, component, redact_text(message));
    };
}

struct Runner::Impl {
    // A drill thread abandoned in process (it ignored cancellation) may outlive this Runner, and
    // the registry, journal and ledger it reaches through its host context with it: it keeps its
    // own references to them (run_in_process), so they go with the last user. The registry is a
    // copy, since the caller's may go before the thread.
    std::shared_ptr<const Registry> registry;
    RunnerOptions options;
    std::shared_ptr<CallbackGate> gate = std::make_shared<CallbackGate>();
    std::string run_id = make_run_id();
    std::filesystem::path planned_ledger;  // where the ledger goes once something needs one
    // Created by the first drill or inject: probe samples never write one (docs/ledger.md).
    std::shared_ptr<FaultLedger> ledger;
    bool ledger_closed = false;
    bool ledger_needed = false;  // a drill ran or a fault was applied: the ledger stays (closed when clean)
    std::shared_ptr<Journal> journal;
    LogSink log_sink;
    std::shared_ptr<LateCallSink> late_calls;
    std::mutex mutex;  // guards current and stopped
    std::shared_ptr<Cancellation> current;
    bool stopped = false;
    std::string stop_reason;

    Impl(const Registry &r, RunnerOptions o)
        : registry(std::make_shared<const Registry>(r)),
          options(std::move(o)),
          planned_ledger(options.state_dir / "ledger" / (run_id + ".jsonl")),
          journal(std::make_shared<Journal>(journal_location(options, run_id), run_id)),
          log_sink(redacting(gated(options.log, gate))),
          late_calls(std::make_shared<LateCallSink>(*journal, log_sink)) {}

    ~Impl() {
        gate->close();        // the caller's callbacks may go with the Runner
        late_calls->close();  // before the journal goes: late calls from plugin threads are dropped
        // However the command ended (an exception from sample or inject included): a ledger with
        // nothing open is closed; open faults stay for `drillhost recover`.
        try {
            if (ledger && !ledger_closed && ledger->open_faults().empty()) ledger->close_if_clean();
        } catch (...) {
            // A destructor must not throw; the ledger stays pending and recover closes it.
        }
    }

    FaultLedger &use_ledger() {
        if (!ledger)
            ledger = std::make_shared<FaultLedger>(
                FaultLedger::create(options.state_dir / "ledger", run_id, options.target));
        return *ledger;
    }

    // A ledger that never held a fault that was applied is removed, not kept as closed: it carries
    // the target's credentials and records nothing recover or a person needs.
    void discard_unused_ledger() {
        if (!ledger || ledger_needed || ledger_closed || !ledger->open_faults().empty()) return;
        std::error_code ec;
        std::filesystem::remove(ledger->path(), ec);  // still locked by us: nobody adopts it meanwhile
        if (ec) return;                               // then the destructor closes it as usual
        ledger.reset();
    }

    void log(dh_severity severity, const std::string &message) const {
        if (log_sink) log_sink(severity, "drillhost", message);
    }

    DrillResult run(const Component &drill, const nlohmann::json &params);
    Execution run_in_process(const Component &drill, const nlohmann::json &params,
                             const std::shared_ptr<Cancellation> &cancellation, Clock::time_point started);
    Execution run_in_worker(const Component &drill, const nlohmann::json &params,
                            const std::shared_ptr<Cancellation> &cancellation, Clock::time_point started);
};

Runner::Runner(const Registry &registry, RunnerOptions options)
    : impl_(std::make_unique<Impl>(registry, std::move(options))) {
    if (impl_->options.on_journal_entry)
        impl_->journal->observe(
            [gate = impl_->gate, observe = impl_->options.on_journal_entry](const nlohmann::json &entry) {
                std::lock_guard lock(gate->mutex);
                if (gate->open) observe(entry);
            });
    impl_->journal->write({{"type", "run.start"},
                           {"ledger", impl_->planned_ledger.string()},
                           {"drillhost_version", version()}});
}

void Runner::note_run_info(const nlohmann::json &cluster) {
    impl_->journal->write({{"type", "run.info"}, {"cluster", cluster}});
}

Runner::~Runner() = default;  // Impl closes a clean ledger however the command ended

const std::string &Runner::run_id() const {
    return impl_->run_id;
}
const std::filesystem::path &Runner::journal_path() const {
    return impl_->journal->path();
}
const std::filesystem::path &Runner::ledger_path() const {
    // Never the optional itself: the signal thread asks while the first drill may be creating it.
    // While anything is open the ledger is at the planned path (only a clean close moves it).
    return impl_->planned_ledger;
}

void Runner::cancel(const std::string &reason) {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopped) impl_->stop_reason = reason;
    impl_->stopped = true;
    if (impl_->current) impl_->current->cancel(reason);
}

bool Runner::cancelled() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->stopped;
}

namespace {

// The host's own checks before a component is called: it is loaded, of that kind, and `params` fit
// its schema. Throws UsageError naming the first violation.
nlohmann::json checked_params(const Registry &registry, const std::string &id, dh_kind kind,
                              const nlohmann::json &params) {
    return validated_params(registry.require(id, kind), params);
}

}  // namespace

nlohmann::json Runner::sample(const std::string &probe_name, const nlohmann::json &params) {
    // An id, short name or alias, resolved once: the host below is called by id.
    const std::string probe_id = impl_->registry->resolve(probe_name, DH_KIND_PROBE);
    // A probe that declares operations (ABI 1.3): "request" names one, as 1.2 callers name them.
    if (const Component *probe = impl_->registry->find(probe_id);
        probe && probe->kind == DH_KIND_PROBE && !probe->operation("sample")) {
        nlohmann::json rest = params.is_object() ? params : nlohmann::json::object();
        std::string operation = probe->operations.front().name;
        if (auto request = rest.find("request"); request != rest.end() && request->is_string()) {
            operation = request->get<std::string>();
            rest.erase("request");
        }
        return operate(probe_id, operation, rest);
    }
    nlohmann::json complete = checked_params(*impl_->registry, probe_id, DH_KIND_PROBE, params);
    // No ledger: a probe observes, it never injects (and a probe run leaves no ledger behind).
    HostContext context(*impl_->registry, nullptr, *impl_->journal, std::make_shared<Cancellation>(), "",
                        dump_json(impl_->options.target), impl_->log_sink);
    context.report_late_calls_to(impl_->late_calls);
    context.seal();
    const dh_host *host = context.table();
    char *result = nullptr;
    dh_status status = host->call_probe(host, probe_id.c_str(), dump_json(complete).c_str(), &result);
    // The host's own checks passed above: whatever fails now is the probe's (or its target's).
    if (status != DH_OK)
        throw InfraError(std::string(status_name(status)) + ": " + redact_text(host->last_error(host)));
    auto parsed = try_parse_bounded_json(result ? result : "null");
    host->free_string(host, result);
    if (!parsed)
        throw InfraError("probe " + probe_id + " returned a result that is not JSON or nests deeper than " +
                         std::to_string(max_json_depth) + " levels");
    return *parsed;
}

nlohmann::json Runner::operate(const std::string &component_name, const std::string &operation,
                               const nlohmann::json &params) {
    std::string component_id = impl_->registry->resolve(component_name, DH_KIND_PROBE);
    if (!impl_->registry->find(component_id))
        component_id = impl_->registry->resolve(component_name, DH_KIND_INJECTOR);
    const Component *component = impl_->registry->find(component_id);
    if (component == nullptr || component->operations.empty())
        throw UsageError("no probe or injector '" + component_id + "' is loaded (see `drillhost list`)");
    const Operation *op = component->operation(operation);
    if (op == nullptr) {
        std::string known;
        for (const auto &o : component->operations) known += (known.empty() ? "" : ", ") + o.name;
        throw UsageError(component_id + " has no operation '" + operation + "'; it has: " + known);
    }
    nlohmann::json complete = op->params->with_defaults(params.is_null() ? nlohmann::json::object() : params);
    if (auto violation = op->params->first_violation(complete))
        throw UsageError(component_id + "." + operation + ": parameter " + *violation +
                         " (see `drillhost describe " + component_id + "`)");
    if (op->route == OperationRoute::inject)
        throw UsageError(component_id + "." + operation + " is a fault: use `drillhost inject`");
    // An act that creates something is ledgered like a fault, and undone before this returns: what
    // it made is left neither on the cluster (a writer's table) nor in a ledger.
    bool creates = op->effect == DH_EFFECT_ACT && !op->undo.empty();
    dh_status status = DH_OK;
    std::string error;
    char *result = nullptr;
    std::vector<RevertOutcome> undone;
    {
        // Named like a drill of its own, so that undoing what it made touches nothing else the
        // ledger holds (faults `inject` left open for recover, earlier drills' records).
        HostContext context(*impl_->registry, creates ? &impl_->use_ledger() : nullptr, *impl_->journal,
                            std::make_shared<Cancellation>(),
                            creates ? "probe " + component_id + "." + operation : "",
                            dump_json(impl_->options.target), impl_->log_sink);
        context.report_late_calls_to(impl_->late_calls);
        const dh_host *host = context.table();
        status = host->call_operation(host, component_id.c_str(), operation.c_str(),
                                      dump_json(complete).c_str(), &result);
        if (status != DH_OK) error = host->last_error(host);
        context.seal();
        if (creates) undone = context.revert_open_faults();
    }
    std::string text = result ? result : "null";
    std::free(result);
    for (const auto &u : undone)
        if (!u.reverted)
            throw InfraError(component_id + "." + operation + ": its undo " + op->undo +
                             " failed: " + redact_text(u.error) + "; `drillhost recover` tries again");
    if (creates) impl_->discard_unused_ledger();
    if (status != DH_OK) throw InfraError(std::string(status_name(status)) + ": " + redact_text(error));
    auto parsed = try_parse_bounded_json(text);
    if (!parsed)
        throw InfraError(component_id + "." + operation +
                         " returned a result that is not JSON or nests deeper than " +
                         std::to_string(max_json_depth) + " levels");
    return *parsed;
}

nlohmann::json Runner::inject(const std::string &injector_name, const nlohmann::json &params) {
    const std::string injector_id = impl_->registry->resolve(injector_name, DH_KIND_INJECTOR);
    nlohmann::json complete = checked_params(*impl_->registry, injector_id, DH_KIND_INJECTOR, params);
    uint64_t fault = 0;
    dh_status status = DH_OK;
    std::string error;
    {
        HostContext context(*impl_->registry, &impl_->use_ledger(), *impl_->journal,
                            std::make_shared<Cancellation>(), "", dump_json(impl_->options.target),
                            impl_->log_sink);
        context.report_late_calls_to(impl_->late_calls);
        const dh_host *host = context.table();
        status = host->inject_fault(host, injector_id.c_str(), dump_json(complete).c_str(), &fault);
        if (status != DH_OK) error = host->last_error(host);
    }
    if (status != DH_OK) {
        // The host's own checks passed above: this is the injector refusing or failing (exit 3). A
        // refused fault is not open; its ledger records nothing anyone needs.
        impl_->discard_unused_ledger();
        throw InfraError(std::string(status_name(status)) + ": " + redact_text(error));
    }
    impl_->ledger_needed = true;
    auto entry = impl_->ledger->entry(fault);
    return {{"fault", fault},
            {"injector", injector_id},
            {"record", entry ? entry->record : nlohmann::json()},
            {"ledger", impl_->ledger->path().string()}};
}

size_t Runner::finish() {
    if (!impl_->ledger) {  // probes only: no ledger was ever written
        impl_->journal->write({{"type", "run.end"}, {"ledger", nullptr}, {"faults_open", 0}});
        return 0;
    }
    size_t still_open = impl_->ledger->open_faults().size();
    bool closed = impl_->ledger_closed || impl_->ledger->close_if_clean();
    impl_->ledger_closed = closed;
    impl_->journal->write({{"type", "run.end"}, {"ledger_closed", closed}, {"faults_open", still_open}});
    return still_open;
}

DrillResult Runner::run(const std::string &drill_id, const nlohmann::json &params) {
    const Component &drill = impl_->registry->require(drill_id, DH_KIND_DRILL);
    return impl_->run(drill, validated_params(drill, params));
}

// The drill's deadline, then `grace` to stop after any cancellation (the deadline's included).
class StopClock {
  public:
    StopClock(Clock::time_point started, std::chrono::milliseconds timeout, std::chrono::milliseconds grace)
        : deadline_(started + timeout), timeout_(timeout), grace_(grace) {}

    // Cancels at the deadline (once); true once the grace after a cancellation is over.
    bool must_stop(Cancellation &cancellation, const std::function<void(const std::string &)> &on_timeout) {
        if (stop_by_ == never && !timed_out_ && Clock::now() >= deadline_) {
            timed_out_ = true;
            std::string reason = "timeout after " + seconds_text(timeout_);
            cancellation.cancel(reason);
            on_timeout(reason);
        }
        if (stop_by_ == never && cancellation.cancelled()) stop_by_ = Clock::now() + grace_;
        return Clock::now() >= stop_by_;
    }
    bool timed_out() const { return timed_out_; }
    std::chrono::milliseconds grace() const { return grace_; }

  private:
    Clock::time_point deadline_;
    std::chrono::milliseconds timeout_, grace_;
    // A plain time point, not an optional: GCC's -Wmaybe-uninitialized misreads the optional's
    // storage once this is inlined with its callers (a batched build showed it).
    static constexpr Clock::time_point never = Clock::time_point::max();
    Clock::time_point stop_by_ = never;
    bool timed_out_ = false;
};

// What running a drill produced, in process or in a worker.
struct Execution {
    std::optional<CallResult> ran;  // what run() returned; nullopt when it never did
    std::string crash;              // why it ended without returning (crashed)
    bool timed_out = false;
    bool abandoned = false;
    std::vector<Assertion> assertions;
    std::vector<Measurement> measurements;
    int faults_injected = 0;
    std::vector<RevertOutcome> reverts;
};

Execution Runner::Impl::run_in_process(const Component &drill, const nlohmann::json &params,
                                       const std::shared_ptr<Cancellation> &cancellation,
                                       Clock::time_point started) {
    Execution out;
    use_ledger();
    auto context = std::make_shared<HostContext>(*registry, ledger.get(), *journal, cancellation, drill.id,
                                                 dump_json(options.target), log_sink);
    context->report_late_calls_to(late_calls);
    auto state = std::make_shared<DrillThreadState>();
    // What the thread reaches, held by the thread itself: an abandoned drill that returns after this
    // Runner (and the caller's registry) went still finds its component, context, ledger and journal.
    // Members go in reverse order: the context (which waits for calls inside it) before the rest.
    struct KeepAlive {
        std::shared_ptr<const Registry> registry;
        std::shared_ptr<Journal> journal;
        std::shared_ptr<FaultLedger> ledger;
        std::shared_ptr<HostContext> context;
    };
    std::thread worker([keep = KeepAlive{registry, journal, ledger, context}, state, &drill,
                        params_text = dump_json(params)] {
        try {
            ComponentInstance instance(drill, keep.context->table());  // `drill` lives in keep.registry
            state->result = instance.run(params_text);
        } catch (const std::exception &e) {
            state->result = {DH_ERR_INTERNAL, valid_utf8(e.what())};
        }
        keep.context->end_of_run();
        state->finish();
    });

    StopClock clock(started, options.timeout, options.grace);
    while (!state->done) {
        if (clock.must_stop(*cancellation, [&](const std::string &) {
                log(DH_LOG_WARN, drill.id + ": timed out after " + seconds_text(options.timeout) +
                                     "; asking it to stop and reverting its faults");
            }))
            break;
        state->wait_a_little();
    }
    context->seal();
    out.timed_out = clock.timed_out();
    if (state->done) {
        worker.join();
        out.ran = state->result;
        if (state->result.threw) out.crash = state->result.text;
    } else {
        out.abandoned = true;
        log(DH_LOG_ERROR, drill.id + ": did not stop within " + seconds_text(options.grace) +
                              " of cancellation; reverting its faults while it still runs");
        worker.detach();  // it holds its own references to the context and the result
    }
    out.reverts = context->revert_open_faults();
    out.faults_injected = context->faults_injected();
    out.assertions = context->assertions();
    out.measurements = context->measurements();
    context->end_of_run();  // an abandoned drill still running: its calls are refused from now on
    return out;
}

namespace {

// An assertion or a measurement the worker journaled, as the Runner reports it.
void collect(const nlohmann::json &entry, Execution &out) {
    const std::string type = entry.value("type", std::string());
    if (type == "verdict") {
        std::string verdict = entry.value("verdict", std::string());
        out.assertions.push_back({entry.value("name", std::string()),
                                  verdict == "pass"   ? DH_VERDICT_PASS
                                  : verdict == "fail" ? DH_VERDICT_FAIL
                                                      : DH_VERDICT_SKIP,
                                  entry.value("observed", std::string()),
                                  entry.value("bound", std::string())});
    } else if (type == "measurement" && entry.contains("value") && entry["value"].is_number()) {
        out.measurements.push_back({entry.value("name", std::string()), entry["value"].get<double>(),
                                    entry.value("unit", std::string())});
    }
}

}  // namespace

Execution Runner::Impl::run_in_worker(const Component &drill, const nlohmann::json &params,
                                      const std::shared_ptr<Cancellation> &cancellation,
                                      Clock::time_point started) {
    Execution out;
    FaultLedger &ledger = use_ledger();
    auto earlier = ledger.entries();
    uint64_t last_before = earlier.empty() ? 0 : earlier.back().id;  // this drill's faults come after
    nlohmann::json base = worker::base_job(*registry, run_id, ledger, options.target);
    nlohmann::json job = base;
    job["mode"] = "drill";
    job["drill"] = drill.id;
    job["params"] = params;
    // The run's clock, for the worker's now_ms() (the journal's mono_ms, as in process).
    job["clock_start_ns"] =
        std::chrono::duration_cast<std::chrono::nanoseconds>(journal->start().time_since_epoch()).count();
    std::unique_ptr<worker::WorkerProcess> started_process;
    try {
        started_process =
            std::make_unique<worker::WorkerProcess>(options.worker_command, job, ledger.descriptor());
    } catch (const std::exception &e) {
        out.ran = CallResult{DH_ERR_INTERNAL, "cannot start its worker process: " + valid_utf8(e.what())};
    }
    if (started_process) {
        worker::WorkerProcess &process = *started_process;
        StopClock clock(started, options.timeout, options.grace);
        bool cancel_sent = false, killed = false;
        std::optional<Clock::time_point> ended_at;
        auto kill_for = [&](const std::string &why) {
            if (!killed) process.kill();
            killed = true;
            if (out.crash.empty() && !out.ran) out.crash = why;
        };
        // Until it ended and its messages are read (a descendant that kept the socket: 1 s at most).
        while (!ended_at ||
               (!process.channel_closed() && Clock::now() < *ended_at + std::chrono::seconds(1))) {
            if (!ended_at && process.ended()) ended_at = Clock::now();
            if (!ended_at) {
                bool stop = clock.must_stop(*cancellation, [&](const std::string &) {
                    log(DH_LOG_WARN, drill.id + ": timed out after " + seconds_text(options.timeout) +
                                         "; asking it to stop and reverting its faults");
                });
                if (cancellation->cancelled() && !cancel_sent) {
                    process.cancel(cancellation->reason());
                    cancel_sent = true;
                }
                if (stop && !killed) {
                    log(DH_LOG_ERROR, drill.id + ": did not stop within " + seconds_text(options.grace) +
                                          " of cancellation; killing its worker and reverting its faults");
                    process.kill();
                    killed = true;
                }
            }
            try {
                auto message = process.next_message(std::chrono::milliseconds(20));
                if (!message) continue;
                const std::string kind = (*message)["m"];
                if (kind == "journal" && (*message)["entry"].is_object()) {
                    const auto &entry = (*message)["entry"];
                    collect(entry, out);
                    journal->write(entry);
                } else if (kind == "log") {
                    if (log_sink)
                        log_sink(static_cast<dh_severity>(std::clamp(message->value("severity", 1), 0, 3)),
                                 valid_utf8(message->value("component", std::string("drillhost"))),
                                 valid_utf8(message->value("message", std::string())));
                } else if (kind == "result") {
                    CallResult ran{static_cast<dh_status>(message->value("status", int(DH_ERR_INTERNAL))),
                                   valid_utf8(message->value("text", std::string())),
                                   message->value("threw", false)};
                    out.ran = ran;
                    if (ran.threw) out.crash = ran.text;
                } else if (kind == "failed") {
                    // The worker could not run the drill at all (a plugin it could not load): an error.
                    out.ran = CallResult{DH_ERR_INTERNAL, valid_utf8(message->value("error", std::string()))};
                }
            } catch (const std::exception &e) {  // what a worker sends is untrusted
                kill_for("its worker broke the protocol: " + valid_utf8(e.what()));
            }
        }
        out.timed_out = clock.timed_out();
        if (!out.ran && out.crash.empty() && !killed) out.crash = "its worker was " + process.how_it_ended();
        if (!out.ran && out.crash.empty() && killed && !cancellation->cancelled())
            out.crash = "its worker was " + process.how_it_ended();
        started_process.reset();  // reaped, its group killed
    }
    ledger.reload();  // what the worker appended, a line its death cut short dropped
    for (const auto &entry : ledger.open_faults(drill.id))
        out.reverts.push_back(worker::revert_in_worker(options.worker_command, base, ledger, entry, drill.id,
                                                       {}, options.timeout, *journal, log_sink));
    for (const auto &o : out.reverts)
        journal->write({{"type", o.reverted ? "fault.reverted" : "fault.revert_failed"},
                        {"drill", drill.id},
                        {"fault", o.fault},
                        {"injector", o.injector},
                        {"by", "cleanup"},
                        {"error", o.error}});
    // Applied, or possibly applied when the worker died mid-inject: what the ledger says it injected.
    for (const auto &entry : ledger.entries())
        if (entry.id > last_before && entry.drill == drill.id && entry.state != FaultEntry::State::failed &&
            !entry.cleanup())  // faults only: a cleanup record is an act's, not a fault injected
            ++out.faults_injected;
    return out;
}

DrillResult Runner::Impl::run(const Component &drill, const nlohmann::json &params) {
    DrillResult result;
    result.drill = drill.id;
    auto cancellation = std::make_shared<Cancellation>();
    {
        std::lock_guard lock(mutex);
        if (stopped) {
            result.outcome = Outcome::cancelled;
            result.message = "not started: " + stop_reason;
            return result;
        }
        current = cancellation;
    }

    ledger_needed = true;
    journal->write({{"type", "drill.start"},
                    {"drill", drill.id},
                    {"params", params},
                    {"timeout_ms", options.timeout.count()}});
    auto started = Clock::now();
    Execution ran = options.worker_command.empty() ? run_in_process(drill, params, cancellation, started)
                                                   : run_in_worker(drill, params, cancellation, started);

    result.abandoned = ran.abandoned;
    for (const auto &o : ran.reverts)
        if (!o.reverted) ++result.faults_left_open;
    result.faults_injected = ran.faults_injected;
    result.assertions = ran.assertions;
    result.measurements = ran.measurements;
    result.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    if (result.faults_injected > 0) {
        // faults_left_open counts an act's cleanup record left open too (an undo that failed).
        int reverted = std::max(0, result.faults_injected - result.faults_left_open);
        result.assertions.push_back(
            {"faults reverted", result.faults_left_open == 0 ? DH_VERDICT_PASS : DH_VERDICT_FAIL,
             std::to_string(reverted) + " of " + std::to_string(result.faults_injected), "all"});
        const auto &a = result.assertions.back();
        journal->write({{"type", "verdict"},
                        {"drill", drill.id},
                        {"name", a.name},
                        {"verdict", a.verdict == DH_VERDICT_PASS ? "pass" : "fail"},
                        {"observed", a.observed},
                        {"bound", a.bound}});
    }

    CallResult returned = ran.ran ? *ran.ran : CallResult{DH_ERR_CANCELLED, "did not stop"};
    result.status = returned.status;
    bool any_failed = false;
    for (const auto &a : result.assertions) any_failed |= a.verdict == DH_VERDICT_FAIL;
    if (ran.timed_out) {
        result.outcome = Outcome::timed_out;
        result.message = cancellation->reason();
    } else if (!ran.crash.empty()) {
        result.outcome = Outcome::crashed;
        result.message = ran.crash;
        result.status = DH_ERR_INTERNAL;
    } else if (cancellation->cancelled()) {
        result.outcome = Outcome::cancelled;
        result.message = cancellation->reason();
    } else if (returned.status == DH_ERR_SKIPPED) {
        result.outcome = Outcome::skipped;
        result.message = returned.text;
    } else if (returned.status != DH_OK) {
        result.outcome = Outcome::error;
        result.message = returned.text;
    } else {
        result.outcome = any_failed ? Outcome::failed : Outcome::passed;
        if (result.faults_left_open > 0) result.message = "faults left open: run `drillhost recover`";
    }
    if (result.faults_left_open > 0 && result.outcome == Outcome::passed) result.outcome = Outcome::failed;

    result.message = redact_text(result.message);  // it goes to logs and reports: no password in it
    nlohmann::json end = {{"type", "drill.end"},
                          {"drill", drill.id},
                          {"outcome", outcome_name(result.outcome)},
                          {"message", result.message},
                          {"duration_ms", result.duration_ms},
                          {"faults_injected", result.faults_injected},
                          {"faults_left_open", result.faults_left_open},
                          {"abandoned", result.abandoned}};
    journal->write(end);
    {
        std::lock_guard lock(mutex);
        current.reset();
    }
    return result;
}

}  // namespace drillhost
