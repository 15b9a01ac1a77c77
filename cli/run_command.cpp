#include <signal.h>
#include <unistd.h>
#include <drillhost/core/param_schema.hpp>
#include <drillhost/core/paths.hpp>
#include <drillhost/core/runner.hpp>
#include <drillhost/core/target_lock.hpp>
#include <drillhost/core/worker.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "cluster_facts.hpp"
#include "commands.hpp"
#include "log_severity.hpp"
#include "output_file.hpp"
#include "run_progress.hpp"
#include "run_summary.hpp"
#include "run_target.hpp"
#include "signal_forwarder.hpp"

namespace drillhost::cli {
namespace {

// "--param k=v" applies to every drill; "--param DRILL:k=v" to one (its id, short name or alias).
std::map<std::string, nlohmann::json> parse_params(const Registry &registry,
                                                   const std::vector<std::string> &drills,
                                                   const std::vector<std::string> &texts) {
    std::map<std::string, nlohmann::json> params;
    for (const auto &d : drills) params[d] = nlohmann::json::object();
    for (const auto &text : texts) {
        auto eq = text.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("--param '" + text + "': expected NAME=VALUE or DRILL_ID:NAME=VALUE");
        std::string key = text.substr(0, eq);
        auto value = parse_cli_value(text);
        auto colon = key.find(':');
        if (colon == std::string::npos) {
            for (auto &[drill, p] : params) p[key] = value;
            continue;
        }
        std::string drill =
            registry.resolve(key.substr(0, colon), DH_KIND_DRILL);  // an alias or short name too
        if (!params.count(drill))
            throw UsageError("--param '" + text + "': drill " + drill + " is not being run");
        params[drill][key.substr(colon + 1)] = value;
    }
    return params;
}

void log_component_line(dh_severity severity, const std::string &component, const std::string &message) {
    spdlog::log(spdlog_level(severity), "[{}] {}", component, message);
}

// --all: the least disruptive first (see dh_impact), so a cheap check fails fast before a drill
// takes the primary away; undeclared impact last. Ties by id, for a stable order.
std::vector<std::string> drills_by_impact(const Registry &registry) {
    auto rank = [](const Component *c) { return c->impact == DH_IMPACT_UNKNOWN ? 99 : c->impact; };
    auto found = registry.list(DH_KIND_DRILL);
    std::stable_sort(found.begin(), found.end(), [&](const Component *a, const Component *b) {
        return std::pair(rank(a), a->id) < std::pair(rank(b), b->id);
    });
    std::vector<std::string> ids;
    for (const auto *c : found) ids.push_back(c->id);
    return ids;
}

std::chrono::milliseconds to_ms(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

}  // namespace

int run_command(const GlobalOptions &global, const RunOptions &options) {
    Registry registry;
    load_registry(global, registry);

    std::vector<std::string> drills;
    for (const auto &name : options.drills) drills.push_back(registry.resolve(name, DH_KIND_DRILL));
    if (options.all) {
        if (!drills.empty()) throw UsageError("give drill ids or --all, not both");
        drills = drills_by_impact(registry);
        if (drills.empty()) throw InfraError("--all: no drill is loaded (check --load)");
    }
    if (drills.empty())
        throw UsageError("nothing to run: give drill ids or --all (`drillhost list` shows them)");

    // Everything is checked before the first drill touches the cluster.
    auto params = parse_params(registry, drills, options.params);
    for (const auto &id : drills)
        params[id] = validated_params(registry.require(id, DH_KIND_DRILL), params[id]);

    // Where the results go is checked now, not after an hour of drills.
    if (!options.report.empty()) check_output_file(options.report, "--report");
    if (!options.journal.empty()) check_output_file(options.journal, "--journal");
    options.report_files.check();

    RunnerOptions runner_options;
    runner_options.state_dir = global.state_dir;
    if (!options.journal.empty()) runner_options.journal_path = options.journal;
    RunTarget target(global, options.target, options.keep_sandbox);
    runner_options.target = target.json();
    // A plan the target declares (Pigsty's pg_rto) is checked now: the summary holds RTO against it.
    std::optional<RtoPlan> plan;
    if (runner_options.target.is_object() && runner_options.target.contains("rto_plan"))
        plan = parse_rto_plan(runner_options.target["rto_plan"],
                              (options.target.empty() ? std::string("the embedded cluster's state")
                                                      : "--target " + options.target) +
                                  ": rto_plan");
    runner_options.timeout = to_ms(options.timeout_s);
    runner_options.grace = to_ms(options.grace_s);
    runner_options.log = &log_component_line;
    // Each drill in a worker process: a plugin that crashes or hangs ends only its own drill.
    runner_options.worker_command = self_worker_command();
    RunProgress progress(drills.size() * static_cast<size_t>(options.repeat));
    runner_options.on_journal_entry = [&progress](const nlohmann::json &entry) { progress.on_entry(entry); };
    Runner runner(registry, runner_options);
    TargetLock cluster_lock(global.state_dir, runner_options.target, runner.run_id());
    spdlog::info("run {}: {} drill(s); journal {}", runner.run_id(), drills.size(),
                 runner.journal_path().string());

    SignalForwarder signals([&runner](int signo, int count) {
        const char *name = signo == SIGINT ? "SIGINT" : "SIGTERM";
        if (count == 1) {
            spdlog::warn(
                "{}: stopping the drill and reverting its faults (send it twice more to exit at once)", name);
            runner.cancel(name);
        } else if (count == 2) {
            spdlog::warn(
                "{}: still reverting faults; once more exits now and leaves them to `drillhost recover`",
                name);
        } else {
            spdlog::error("{}: exiting now; faults still open are in {}: run `drillhost recover`", name,
                          runner.ledger_path().string());
            std::_Exit(static_cast<int>(ExitCode::infrastructure));
        }
    });

    RunRecord record;
    record.run_id = runner.run_id();
    record.journal = runner.journal_path();
    record.repeat = options.repeat;
    record.plan = plan;
    bool has_members = runner_options.target.is_object() && runner_options.target.contains("members");
    record.cluster =
        has_members ? read_cluster_facts(runner) : nlohmann::json{{"error", "no cluster target"}};
    if (has_members && record.cluster.contains("error"))
        spdlog::warn("the Patroni version and timing could not be read: {}",
                     record.cluster.value("error", ""));
    {
        nlohmann::json info = record.cluster;
        if (runner_options.target.is_object() &&
            runner_options.target.value("scope", nlohmann::json()).is_string())
            info["scope"] = runner_options.target["scope"];
        if (plan) info["rto_plan"] = plan->name;
        runner.note_run_info(info);  // the reports' header
    }
    auto &results = record.results;
    auto run_started = std::chrono::steady_clock::now();
    size_t total = drills.size() * static_cast<size_t>(options.repeat), done = 0;
    for (const auto &drill : drills) {
        for (int round = 1; round <= options.repeat; ++round) {
            progress.next_drill();
            std::string which =
                options.repeat > 1 ? fmt::format("{} (run {}/{})", drill, round, options.repeat) : drill;
            spdlog::info("[{}/{}] {}: starting", ++done, total, which);
            results.push_back(runner.run(drill, params[drill]));
            const auto &r = results.back();
            spdlog::info("[{}/{}] {}: {} in {:.1f} s{}{}", done, total, which, outcome_name(r.outcome),
                         r.duration_ms / 1000.0, r.message.empty() ? "" : ": ", r.message);
        }
    }
    record.wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - run_started).count();
    size_t still_open = runner.finish();
    if (still_open > 0)
        spdlog::error("{} fault(s) are still open in {}: fix the cause and run `drillhost recover`",
                      still_open, runner.ledger_path().string());

    print_summary(std::cout, record, global.format == Format::json);
    int code = still_open > 0 ? static_cast<int>(ExitCode::infrastructure) : exit_code_for(results);
    if (!options.report.empty()) {
        std::ostringstream report;
        print_summary(report, record, true);
        try {
            write_output_file(options.report, report.str(), "--report");
            spdlog::info("report written to {}", options.report);
        } catch (const InfraError &e) {
            // The drills ran and the summary is on stdout; the report the user asked for is not.
            spdlog::error("{}", e.what());
            code = static_cast<int>(ExitCode::infrastructure);
        }
    }
    if (options.report_files.any()) {
        // From the journal, which holds every drill however it ended.
        try {
            options.report_files.write_from(runner.journal_path());
            spdlog::info("reports written from the journal {}", runner.journal_path().string());
        } catch (const std::exception &e) {
            spdlog::error("{}", e.what());
            code = static_cast<int>(ExitCode::infrastructure);
        }
    }
    return code;
}

}  // namespace drillhost::cli
