// A harness that embeds the drillhost engine instead of calling the CLI: it loads plugins, runs
// every drill they hold against an empty target (what `drillhost run --target none` gives a drill),
// and checks each verdict itself. In process by default; `--isolated` runs each drill in a worker
// process of this very program, so a plugin that crashes ends only its drill.
//
// Usage: drillhost_embedded_harness [--isolated] PLUGIN...
// Exit status: 0 when every drill passed with at least one assertion and left no fault open.
#include <drillhost/core/loader.hpp>
#include <drillhost/core/registry.hpp>
#include <drillhost/core/runner.hpp>
#include <drillhost/core/worker.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace drillhost;

int main(int argc, char **argv) {
    // With isolation the Runner starts this program again as a worker: let it be one.
    if (is_worker_invocation(argc, argv)) return worker_main();

    bool isolated = false;
    std::vector<std::string> plugins;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--isolated")
            isolated = true;
        else
            plugins.emplace_back(argv[i]);
    }
    if (plugins.empty()) {
        std::fprintf(stderr, "usage: %s [--isolated] PLUGIN...\n", argv[0]);
        return 2;
    }

    Registry registry;
    std::vector<LoadProblem> problems;
    registry.add(load_plugins(plugins), problems);
    for (const auto &p : problems) std::fprintf(stderr, "not loaded: %s\n", p.message.c_str());
    auto drills = registry.list(DH_KIND_DRILL);
    if (!problems.empty() || drills.empty()) return 2;

    // The ledger and the journals go to a directory of our own, removed when nothing is left open.
    std::string pattern = (fs::temp_directory_path() / "drillhost-harness-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) return 3;
    RunnerOptions options;
    options.state_dir = pattern;
    options.target = nlohmann::json::object();  // no cluster: the example drills need none
    options.timeout = std::chrono::seconds(60);
    if (isolated) options.worker_command = self_worker_command();

    int bad = 0;
    size_t open = 0;
    {
        Runner runner(registry, options);
        for (const Component *drill : drills) {
            DrillResult r = runner.run(drill->id, nlohmann::json::object());
            bool fine = r.outcome == Outcome::passed && !r.assertions.empty() && r.faults_left_open == 0;
            std::printf("%s %s: %s, %zu assertion(s), %d fault(s) injected%s%s\n", fine ? "ok  " : "FAIL",
                        drill->id.c_str(), outcome_name(r.outcome), r.assertions.size(), r.faults_injected,
                        r.message.empty() ? "" : ": ", r.message.c_str());
            for (const auto &a : r.assertions)
                std::printf("       %s %s (observed %s)\n", a.verdict == DH_VERDICT_PASS ? "pass" : "FAIL",
                            a.name.c_str(), a.observed.c_str());
            bad += fine ? 0 : 1;
        }
        open = runner.finish();
    }
    if (open == 0)
        fs::remove_all(options.state_dir);
    else
        std::fprintf(stderr, "%zu fault(s) left open: drillhost --state-dir %s recover\n", open,
                     pattern.c_str());
    std::printf("%zu drill(s) %s, %d not as expected\n", drills.size(), isolated ? "isolated" : "in process",
                bad);
    return bad == 0 && open == 0 ? 0 : 1;
}
