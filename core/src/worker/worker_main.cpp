// The worker's side (worker.hpp): read the job, load the plugins, run one drill or one revert with
// a host table whose journal, log and verdicts travel to the parent, then end with _exit, so that
// no plugin thread or destructor still running can change the outcome the parent already has.
#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/worker.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <set>
#include <thread>

#include "../host_context.hpp"
#include "worker_protocol.hpp"

namespace drillhost {
namespace {

using nlohmann::json;

// Where the worker reads its job and cancellations, and writes its messages: moved off 0 and 1, so
// that a plugin's printf goes to standard error and a child it starts inherits neither socket.
struct Channels {
    int control = -1;
    int messages = -1;
};

Channels take_channels() {
    Channels c;
    c.control = ::fcntl(0, F_DUPFD_CLOEXEC, 5);
    c.messages = ::fcntl(1, F_DUPFD_CLOEXEC, 5);
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) ::dup2(null, 0);
    ::dup2(2, 1);
    if (null >= 0) ::close(null);
    ::fcntl(4, F_SETFD, FD_CLOEXEC);  // the ledger: for this process only
    return c;
}

Registry load_job_plugins(const json &job) {
    std::vector<std::string> paths = job.at("plugins").get<std::vector<std::string>>();
    auto ids = job.at("components").get<std::set<std::string>>();
    // The components the parent had loaded, nothing more: a plugin file may hold others it skipped.
    LoadResult loaded =
        load_plugins(paths, [&](std::string_view id, dh_kind) { return ids.count(std::string(id)) > 0; });
    std::vector<LoadProblem> problems = loaded.problems;
    Registry registry;
    registry.add(loaded, problems);
    if (!problems.empty()) throw InfraError("worker: " + problems.front().message);
    return registry;
}

// The parent journal's start, sent as CLOCK_MONOTONIC nanoseconds (the same clock in every process
// of the machine); a job without it (a revert) counts from now.
std::chrono::steady_clock::time_point clock_start_of(const json &job) {
    auto it = job.find("clock_start_ns");
    if (it == job.end() || !it->is_number_integer()) return std::chrono::steady_clock::now();
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::nanoseconds(it->get<int64_t>())));
}

// What every job needs: the plugins, the run's ledger (descriptor 4), and a journal and log that
// travel to the parent.
struct JobSetup {
    Registry registry;
    FaultLedger ledger;
    Journal journal;
    LogSink log;

    JobSetup(const json &job, worker::LineWriter &out)
        : registry(load_job_plugins(job)),
          ledger(FaultLedger::attach(4, job.at("ledger").get<std::string>())),
          journal(
              [&out](const json &entry) {
                  out.send({{"m", "journal"}, {"entry", entry}});
              },
              job.at("run").get<std::string>(), clock_start_of(job)),
          log([&out](dh_severity severity, const std::string &component, const std::string &message) {
              out.send(
                  {{"m", "log"}, {"severity", severity}, {"component", component}, {"message", message}});
          }) {}
};

// Runs one drill on this (the main) thread: helpers that die with the thread that started them
// (pgbench's PR_SET_PDEATHSIG) live as long as the drill.
void run_drill(const json &job, worker::LineReader &control, worker::LineWriter &out) {
    JobSetup setup(job, out);
    auto &[registry, ledger, journal, log] = setup;
    auto cancellation = std::make_shared<Cancellation>();
    // Cancellations from the parent; its end closing means it is gone: stop.
    std::thread([&control, cancellation] {
        try {
            while (auto line = control.next_line(std::chrono::milliseconds(-1))) {
                auto message = try_parse_bounded_json(*line);
                if (message && message->is_object() && message->contains("cancel"))
                    cancellation->cancel(valid_utf8(message->value("cancel", std::string("cancelled"))));
            }
        } catch (const std::exception &) {
        }
        cancellation->cancel("drillhost stopped the drill");
    }).detach();

    const std::string drill_id = job.at("drill").get<std::string>();
    const Component &drill = registry.require(drill_id, DH_KIND_DRILL);
    auto context = std::make_shared<HostContext>(registry, &ledger, journal, cancellation, drill_id,
                                                 dump_json(job.at("target")), log);
    context->report_late_calls_to(std::make_shared<LateCallSink>(journal, log));
    CallResult result;
    try {
        ComponentInstance instance(drill, context->table());
        result = instance.run(dump_json(job.at("params")));
    } catch (const std::exception &e) {
        result = {DH_ERR_INTERNAL, valid_utf8(e.what())};
    }
    context->end_of_run();
    context->seal();
    out.send({{"m", "result"}, {"status", result.status}, {"text", result.text}, {"threw", result.threw}});
}

// Reverts one fault with the cleanup table, retrying as the parent's policy says.
void run_revert(const json &job, worker::LineWriter &out) {
    JobSetup setup(job, out);
    auto &[registry, ledger, journal, log] = setup;
    HostContext context(registry, &ledger, journal, std::make_shared<Cancellation>(),
                        job.at("drill").get<std::string>(), dump_json(job.at("target")), log);
    auto entry = ledger.entry(job.at("fault").get<uint64_t>());
    if (!entry) throw InfraError("worker: no fault " + job.at("fault").dump() + " in the ledger");
    RevertPolicy policy;
    policy.attempts = job.at("attempts").get<int>();
    policy.first_backoff = std::chrono::milliseconds(job.at("first_backoff_ms").get<long long>());
    RevertOutcome outcome =
        entry->open() ? context.revert(*entry, policy) : RevertOutcome{entry->id, entry->injector, true, {}};
    out.send({{"m", "revert"}, {"reverted", outcome.reverted}, {"error", outcome.error}});
}

}  // namespace

std::vector<std::string> self_worker_command() {
    return {"/proc/self/exe", worker_argument};
}

bool is_worker_invocation(int argc, char **argv) {
    return argc == 2 && std::strcmp(argv[1], worker_argument) == 0;
}

int worker_main() {
    ::signal(SIGPIPE, SIG_IGN);
    Channels channels = take_channels();
    worker::LineReader control(channels.control);
    worker::LineWriter out(channels.messages);
    try {
        auto line = control.next_line(std::chrono::seconds(30));
        auto job = line ? try_parse_bounded_json(*line) : std::nullopt;
        if (!job || !job->is_object()) throw InfraError("worker: no job on standard input");
        // Ends with the parent, even a parent killed with SIGKILL; the ledger then goes to recover.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != job->at("parent").get<pid_t>()) ::_exit(70);
        std::string mode = job->at("mode").get<std::string>();
        if (mode == "drill") {
            run_drill(*job, control, out);
        } else if (mode == "revert") {
            run_revert(*job, out);
        } else {
            throw InfraError("worker: unknown mode " + valid_utf8(mode));
        }
    } catch (const std::exception &e) {
        out.send({{"m", "failed"}, {"error", valid_utf8(e.what())}});
    }
    std::fflush(nullptr);
    ::_exit(0);
}

}  // namespace drillhost
