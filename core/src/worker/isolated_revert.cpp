#include "isolated_revert.hpp"

#include "worker_process.hpp"

#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>

#include <unistd.h>

#include <set>

namespace drillhost::worker {

using Clock = std::chrono::steady_clock;

nlohmann::json base_job(const Registry &registry, const std::string &run_id, const FaultLedger &ledger,
                        const nlohmann::json &target) {
    std::set<std::string> plugins;
    nlohmann::json components = nlohmann::json::array();
    for (const Component *c : registry.list()) {
        plugins.insert(c->plugin_path);
        components.push_back(c->id);
    }
    return {{"parent", ::getpid()},
            {"run", run_id},
            {"ledger", ledger.path().string()},
            {"plugins", plugins},
            {"components", components},
            {"target", target}};
}

RevertOutcome revert_in_worker(const std::vector<std::string> &command, nlohmann::json job,
                               FaultLedger &ledger, const FaultEntry &entry, const std::string &drill,
                               RevertPolicy policy, std::chrono::milliseconds bound, Journal &journal,
                               const Log &log) {
    job["mode"] = "revert";
    job["fault"] = entry.id;
    job["drill"] = drill;
    job["attempts"] = policy.attempts;
    job["first_backoff_ms"] = policy.first_backoff.count();
    RevertOutcome outcome{entry.id, entry.injector, false, {}};
    std::optional<RevertOutcome> reported;
    std::string problem;
    std::unique_ptr<WorkerProcess> started;
    try {
        started = std::make_unique<WorkerProcess>(command, job, ledger.descriptor());
    } catch (const std::exception &e) {
        problem = "cannot start a worker process for it: " + valid_utf8(e.what());
    }
    if (started) {
        WorkerProcess &worker = *started;
        auto deadline = Clock::now() + bound;
        std::optional<Clock::time_point> ended_at;
        bool killed = false;
        auto kill_for = [&](std::string why) {
            if (!killed) worker.kill();
            killed = true;
            if (problem.empty()) problem = std::move(why);
        };
        // Until it ended and its messages are read (a descendant that kept the socket: 1 s at most).
        while (!ended_at ||
               (!worker.channel_closed() && Clock::now() < *ended_at + std::chrono::seconds(1))) {
            if (!ended_at && worker.ended()) ended_at = Clock::now();
            if (!killed && !ended_at && Clock::now() >= deadline)
                kill_for("the revert did not finish within " + std::to_string(bound.count() / 1000) +
                         " s; its worker was killed");
            try {
                auto message = worker.next_message(std::chrono::milliseconds(20));
                if (!message) continue;
                const std::string kind = (*message)["m"];
                if (kind == "journal" && (*message)["entry"].is_object()) {
                    journal.write((*message)["entry"]);
                } else if (kind == "log" && log) {
                    log(static_cast<dh_severity>(message->value("severity", 1)),
                        valid_utf8(message->value("component", std::string("drillhost"))),
                        valid_utf8(message->value("message", std::string())));
                } else if (kind == "revert") {
                    reported = RevertOutcome{entry.id, entry.injector, message->value("reverted", false),
                                             valid_utf8(message->value("error", std::string()))};
                } else if (kind == "failed") {
                    problem =
                        "its worker could not start: " + valid_utf8(message->value("error", std::string()));
                }
            } catch (const std::exception &e) {  // what a worker sends is untrusted: JSON of the wrong shape
                kill_for("its worker broke the protocol: " + valid_utf8(e.what()));
            }
        }
        if (problem.empty() && !reported)
            problem = "the revert crashed: its worker was " + worker.how_it_ended();
        started.reset();  // reaped, its group killed
    }
    ledger.reload();  // what the worker appended
    if (reported && problem.empty()) return *reported;
    outcome.error = problem;
    ledger.record_revert_failed(entry.id, problem);
    if (log)
        log(DH_LOG_ERROR, "drillhost",
            "revert of fault " + std::to_string(entry.id) + " (" + entry.injector + "): " + problem);
    return outcome;
}

}  // namespace drillhost::worker
