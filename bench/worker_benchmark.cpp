// What running each drill in a worker process costs (issue 14): the example marker drill (inject a
// file fault, probe it, revert it, hold 0 ms) run N times in process, the anchor, then N times in a
// worker, with every plugin of the build loaded (the worker loads them all again, as the CLI's do).
// Prints the per-drill overhead of the worker and the ratio; the goal is under 50 ms per drill.
#include <drillhost/core/loader.hpp>
#include <drillhost/core/registry.hpp>
#include <drillhost/core/runner.hpp>
#include <drillhost/core/worker.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Mean milliseconds per drill over `runs` runs of the marker drill.
double per_drill_ms(const drillhost::Registry &registry, const fs::path &state, const fs::path &marker,
                    std::vector<std::string> worker_command, int runs) {
    drillhost::RunnerOptions options;
    options.state_dir = state;
    options.worker_command = std::move(worker_command);
    drillhost::Runner runner(registry, options);
    auto start = Clock::now();
    for (int i = 0; i < runs; ++i) {
        auto result = runner.run("org.drillhost.example.marker", {{"path", marker.string()}, {"hold_ms", 0}});
        if (result.outcome != drillhost::Outcome::passed) {
            std::fprintf(stderr, "worker benchmark: the marker drill %s: %s\n", outcome_name(result.outcome),
                         result.message.c_str());
            std::exit(1);
        }
    }
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count() / runs;
    runner.finish();
    return ms;
}

}  // namespace

int main() {
    const int runs = 40;
    auto loaded = drillhost::load_plugins({BENCH_PLUGINS_DIR, BENCH_EXAMPLES_DIR});
    drillhost::Registry registry;
    std::vector<drillhost::LoadProblem> problems = loaded.problems;
    registry.add(loaded, problems);
    if (!problems.empty()) {
        std::fprintf(stderr, "worker benchmark: %s\n", problems.front().message.c_str());
        return 1;
    }
    fs::path scratch = fs::temp_directory_path() / ("drillhost-worker-bench-" + std::to_string(::getpid()));
    fs::create_directories(scratch);
    fs::path marker = scratch / "fault.marker";
    per_drill_ms(registry, scratch / "warm-up", marker, {}, 3);  // page cache, first dlopen
    double in_process = per_drill_ms(registry, scratch / "in-process", marker, {}, runs);
    double in_worker =
        per_drill_ms(registry, scratch / "worker", marker, {DRILLHOST_BIN, drillhost::worker_argument}, runs);
    fs::remove_all(scratch);
    double overhead = in_worker - in_process;
    std::printf(
        "drill in a worker process (%zu plugins loaded): %.2f ms per drill, overhead %.2f ms (target < 50 "
        "ms: "
        "%s); anchor, the same drill in process: %.2f ms; ratio %.2f\n",
        registry.list().size(), in_worker, overhead, overhead < 50 ? "met" : "MISSED", in_process,
        in_worker / in_process);
    return 0;
}
