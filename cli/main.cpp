// drillhost: runs HA drills against Patroni clusters. A thin CLI over the drillhost core library.
#include <drillhost/plugin_api.h>
#include <drillhost/core/file_trust.hpp>
#include <drillhost/core/paths.hpp>
#include <drillhost/core/result_validation.hpp>
#include <drillhost/core/version.hpp>
#include <drillhost/core/worker.hpp>
#include <drillhost/sandbox/sandbox_backend.hpp>

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "duration_option.hpp"
#include "report_command.hpp"
#include "sandbox_command.hpp"
#include "signal_forwarder.hpp"
#include "target_command.hpp"

using namespace drillhost;
using namespace drillhost::cli;

int main(int argc, char **argv) {
    // The embedded cluster's services, for runs and for their workers alike.
    sandbox::register_backend();
    // A drill or a revert in a worker process of a run (core/include/drillhost/core/worker.hpp).
    if (is_worker_invocation(argc, argv)) return worker_main();
    SignalForwarder::block_signals();  // before any thread: only the forwarder may receive them

    CLI::App app{
        "drillhost: HA drills (fault-injection exercises) for PostgreSQL clusters managed by Patroni"};
    app.set_version_flag("--version", std::string("drillhost ") + drillhost::version() + " (plugin ABI " +
                                          std::to_string(DH_ABI_VERSION_MAJOR) + "." +
                                          std::to_string(DH_ABI_VERSION_MINOR) + ")");
    app.require_subcommand(1);
    app.fallthrough();  // global options may also follow the subcommand

    GlobalOptions global;
    std::string format = "table";
    std::string state_dir;
    app.add_option("--load", global.load,
                   "plugin file, directory or glob to load (repeatable; default: " +
                       default_plugin_dir().string() + ")");
    app.add_option(
        "--state-dir", state_dir,
        "where the fault ledger and journals live (default: " + default_state_dir().string() + ")");
    app.add_option("--format", format, "output format")->check(CLI::IsMember({"table", "json"}));
    app.add_option("--log-level", global.log_level, "debug, info, warn or error")
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

    ListOptions list;
    auto *list_cmd = app.add_subcommand("list", "list the loaded drills, injectors and probes");
    list_cmd->add_option("--kind", list.kind, "only this kind")
        ->check(CLI::IsMember({"drill", "injector", "probe"}));

    std::string describe_id;
    auto *describe_cmd =
        app.add_subcommand("describe", "show a component and the JSON Schema of its parameters");
    describe_cmd->add_option("id", describe_id, "component id")->required();

    RunOptions run;
    auto *run_cmd =
        app.add_subcommand("run", "run drills; every fault they inject is reverted whatever happens");
    run_cmd->add_option("drills", run.drills, "drill ids");
    run_cmd->add_flag("--all", run.all, "run every loaded drill");
    run_cmd->add_option("--param,-p", run.params, "NAME=VALUE, or DRILL_ID:NAME=VALUE (VALUE may be JSON)");
    run_cmd->add_option("--target", run.target,
                        "YAML/JSON file describing the cluster under test, or `none`; default: the embedded "
                        "cluster, brought up for the run if none is running");
    run_cmd->add_flag("--keep-sandbox", run.keep_sandbox,
                      "leave a sandbox this run brought up running afterwards");
    run_cmd->add_option("--timeout", run.timeout_s, "per-drill timeout in seconds (0.001 to 86400)")
        ->check(seconds_between(0.001, 86400));
    run_cmd
        ->add_option("--grace", run.grace_s,
                     "seconds a cancelled drill gets to stop before its faults are reverted anyway")
        ->check(seconds_between(0, 3600));
    run_cmd->add_option("--journal", run.journal, "write the run's JSON-lines journal here");
    run_cmd->add_option("--report", run.report, "also write the summary as JSON to this file");
    run_cmd->add_option("--html", run.report_files.html,
                        "also write the HTML report to this file at the end (a timeline per drill)");
    run_cmd->add_option("--junit", run.report_files.junit,
                        "also write JUnit XML to this file at the end (a testcase per drill)");
    run_cmd->add_option("--markdown", run.report_files.markdown,
                        "also write Markdown to this file at the end (the table and failed checks)");
    run_cmd
        ->add_option("--repeat", run.repeat,
                     "run each drill N times in a row (1 to 1000); the summary gives each number's p50, p95 "
                     "and max, and marks a drill whose verdicts differ `unstable` (exit 1)")
        ->check(CLI::Range(1, 1000));

    RecoverOptions recover;
    auto *recover_cmd = app.add_subcommand("recover", "revert every fault a crashed or killed run left open");
    recover_cmd->add_flag("--dry-run", recover.dry_run, "show what would be reverted; change nothing");
    recover_cmd->add_option("--forget", recover.forget,
                            "move a ledger dealt with by hand (file name or path) to ledger/forgotten/");

    ProbeOptions probe;
    auto *probe_cmd = app.add_subcommand(
        "probe", "call one operation of a probe and print its result: probe patroni-rest cluster");
    probe_cmd->add_option("probe", probe.probe, "probe (or injector) id or short name")->required();
    probe_cmd->add_option(
        "operation", probe.operation,
        "one of its operations (`drillhost describe PROBE` lists them); default: the first");
    probe_cmd->add_option("--param,-p", probe.params, "NAME=VALUE (VALUE may be JSON)");
    probe_cmd->add_option("--target", probe.target,
                          "YAML/JSON target file, or `none`; default: the embedded cluster");
    InjectOptions inject;
    auto *inject_cmd = app.add_subcommand(
        "inject", "apply one fault and leave it until `drillhost recover`: inject partition --host pg-1");
    inject_cmd->add_option("injector", inject.injector, "injector id or short name")->required();
    inject_cmd->add_option("--host", inject.host, "shorthand for --param host=HOST");
    inject_cmd->add_option("--param,-p", inject.params, "NAME=VALUE (VALUE may be JSON)");
    inject_cmd->add_option("--target", inject.target,
                           "YAML/JSON target file, or `none`; default: the embedded cluster");
    std::string status_target;
    auto *status_cmd =
        app.add_subcommand("status", "the cluster as Patroni's REST API says: a patronictl-style table");
    status_cmd->add_option("--target", status_target, "YAML/JSON target file; default: the embedded cluster");
    auto run_sandbox = add_sandbox_commands(app, global);
    auto *sandbox_cmd = app.get_subcommand("sandbox");
    auto run_target_command = add_target_commands(app, global);
    auto *target_cmd = app.get_subcommand("target");
    auto run_report = add_report_command(app, global);
    auto *report_cmd = app.get_subcommand("report");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        app.exit(e);
        return static_cast<int>(ExitCode::usage);
    }

    global.format = format == "json" ? Format::json : Format::table;
    global.state_dir = state_dir.empty() ? default_state_dir() : std::filesystem::path(state_dir);
    init_logging(global.log_level);
    // At debug level every operation's result is checked against its schema too (docs/abi.md,
    // "Operations"); the workers inherit the switch through the environment.
    if (global.log_level == "debug") validate_results(true);
    std::error_code missing;
    global.state_dir_given = !state_dir.empty();
    // Only `run` turns signals into an orderly stop; elsewhere Ctrl-C simply ends the command
    // (an interrupted `recover` is safe: reverts are idempotent and the ledger stays open).
    if (!*run_cmd) SignalForwarder::unblock_signals();
    try {
        // The state dir holds ledgers that root's `recover` acts on: it must be root's (or ours).
        if (std::filesystem::exists(global.state_dir, missing))
            check_trusted_directory(global.state_dir, "state directory");
        if (*list_cmd) return list_command(global, list);
        if (*describe_cmd) return describe_command(global, describe_id);
        if (*run_cmd) return run_command(global, run);
        if (*recover_cmd) return recover_command(global, recover);
        if (*probe_cmd) return probe_command(global, probe);
        if (*inject_cmd) return inject_command(global, inject);
        if (*status_cmd) return status_command(global, status_target);
        if (*sandbox_cmd) return run_sandbox();
        if (*target_cmd) return run_target_command();
        if (*report_cmd) return run_report();
    } catch (const UsageError &e) {
        spdlog::error("{}", e.what());
        return static_cast<int>(ExitCode::usage);
    } catch (const InfraError &e) {
        spdlog::error("{}", e.what());
        return static_cast<int>(ExitCode::infrastructure);
    } catch (const std::exception &e) {
        spdlog::error("unexpected error: {}", e.what());
        return static_cast<int>(ExitCode::infrastructure);
    }
    return static_cast<int>(ExitCode::usage);
}
