// Probe benchmarks against a running embedded cluster, each printed beside an anchor measured in
// the same run:
//  - the writer's commit rate against pgbench's, same clients, a comparable one-row insert;
//  - the writer's time resolution (interval between acknowledged commits) against pgbench -P 1;
//  - patroni-rest samples per second on one thread, and its CPU cost at 10 Hz, against bare libcurl.
// Usage: probe_benchmark STATE_DIR PLUGIN_DIR. Prints numbers; fails only when it cannot measure.
#include <curl/curl.h>
#include <libpq-fe.h>
#include <sys/resource.h>
#include <drillhost/core/loader.hpp>
#include <drillhost/core/registry.hpp>
#include <drillhost/core/runner.hpp>
#include <drillhost/sandbox/sandbox_state.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval &t) { return t.tv_sec + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

const char *met(bool yes) {
    return yes ? "met" : "MISSED";
}

// The comparable table for pgbench: the writer's columns, the id from an identity column.
void exec_on_primary(const drillhost::sandbox::SandboxState &state, const std::string &sql) {
    std::string hosts;
    for (const auto &m : state.members) hosts += (hosts.empty() ? "" : ",") + m.address;
    std::string conninfo =
        "host=" + hosts +
        " user=postgres dbname=postgres target_session_attrs=read-write password=" + state.superuser_password;
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
        throw std::runtime_error(sql + ": " + PQerrorMessage(conn.get()));
}

// Rounds in A-B-B-A order, so a machine that gets busier or quieter during the run favours neither.
void writer_against_pgbench(drillhost::Runner &runner, const drillhost::sandbox::SandboxState &state) {
    const int clients = 2, seconds = 5;
    exec_on_primary(
        state,
        "CREATE TABLE drillhost_bench_pgbench (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "client int NOT NULL, t_client_ms double precision)");
    double pgbench_transactions = 0, writer_commits = 0;
    auto pgbench_round = [&] {
        auto pgbench = runner.operate(
            "org.drillhost.probe.pgbench", "run",
            {{"clients", clients},
             {"duration_s", seconds},
             {"script",
              "INSERT INTO drillhost_bench_pgbench (client, t_client_ms) VALUES (:client_id, 0);"}});
        if (!pgbench["summary"].is_object())
            throw std::runtime_error("pgbench gave no summary: " + pgbench.dump());
        pgbench_transactions += pgbench["summary"]["tps"].get<double>() * seconds;
    };
    auto writer_round = [&] {
        auto writer = runner.operate("org.drillhost.probe.writer", "run",
                                     {{"clients", clients}, {"rate_hz", 0}, {"duration_s", seconds}});
        writer_commits += writer["acknowledged"].get<double>();
    };
    pgbench_round();
    writer_round();
    writer_round();
    pgbench_round();
    exec_on_primary(state, "DROP TABLE drillhost_bench_pgbench");
    double writer_rate = writer_commits / (2 * seconds), pgbench_tps = pgbench_transactions / (2 * seconds);
    double ratio = writer_rate / pgbench_tps;
    std::printf(
        "writer against pgbench, %d clients, one-row insert, 2 x %d s each (A-B-B-A): writer %.0f "
        "acknowledged "
        "commits/s (every one recorded), pgbench %.0f tps; ratio %.2f (target >= 0.9: %s)\n",
        clients, seconds, writer_rate, pgbench_tps, ratio, met(ratio >= 0.9));

    auto paced = runner.operate("org.drillhost.probe.writer", "run", {{"duration_s", 5}});
    double p50 = paced["ack_interval_p50_ms"], p99 = paced["ack_interval_p99_ms"];
    std::printf(
        "resolution: the writer at its defaults (2 clients x 200 Hz): %.1f ms between acknowledged commits "
        "(p50; p99 %.1f ms) (target <= 20 ms: %s); anchor, pgbench -P 1: 1000 ms; %.0fx finer\n",
        p50, p99, met(p99 <= 20), 1000 / p99);
}

size_t discard(char *, size_t size, size_t n, void *) {
    return size * n;
}

void rest_probe(drillhost::Runner &runner, const drillhost::sandbox::SandboxState &state) {
    const auto &member = state.members.at(0);
    const json params = {{"member", member.name}};
    const double window_s = 3;

    // Anchor: the same GET with a bare libcurl handle, reused (the best a client can do).
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    std::string url = member.rest_url() + "/patroni";
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
    size_t bare = 0;
    for (auto start = Clock::now(); seconds_since(start) < window_s; ++bare)
        if (curl_easy_perform(curl.get()) != CURLE_OK)
            throw std::runtime_error("anchor: GET " + url + " failed");

    size_t samples = 0;
    double cpu0 = cpu_seconds();
    auto start = Clock::now();
    while (seconds_since(start) < window_s) {
        runner.operate("org.drillhost.probe.patroni-rest", "patroni", params);
        ++samples;
    }
    double wall = seconds_since(start), cpu = cpu_seconds() - cpu0;
    double rate = samples / wall, bare_rate = bare / window_s;

    // At 10 Hz, as a drill samples during a failover: CPU time over wall time.
    cpu0 = cpu_seconds();
    start = Clock::now();
    for (int i = 0; i < 30; ++i) {
        runner.operate("org.drillhost.probe.patroni-rest", "patroni", params);
        std::this_thread::sleep_until(start + std::chrono::milliseconds(100 * (i + 1)));
    }
    double cpu_at_10hz = (cpu_seconds() - cpu0) / seconds_since(start);
    std::printf(
        "patroni-rest probe, GET /patroni on one member: %.0f samples/s on one thread (%.0f%% of a core, "
        "%.2f ms CPU each); anchor, bare libcurl GET: %.0f/s; ratio %.2f. At 10 Hz: %.2f%% of a core\n",
        rate, 100 * cpu / wall, 1000 * cpu / samples, bare_rate, rate / bare_rate, 100 * cpu_at_10hz);
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s STATE_DIR PLUGIN_DIR\n", argv[0]);
        return 2;
    }
    try {
        auto state = drillhost::sandbox::load_state(argv[1]);
        if (!state) throw std::runtime_error(std::string("no embedded cluster in ") + argv[1]);
        auto loaded = drillhost::load_plugins({argv[2]});
        drillhost::Registry registry;
        registry.add(loaded, loaded.problems);
        for (const auto &p : loaded.problems)
            std::fprintf(stderr, "%s: %s\n", p.path.c_str(), p.message.c_str());
        drillhost::RunnerOptions options;
        options.state_dir = argv[1];
        options.target = state->to_json();
        options.log = [](dh_severity, const std::string &, const std::string &) {};
        drillhost::Runner runner(registry, options);
        writer_against_pgbench(runner, *state);
        rest_probe(runner, *state);
        runner.finish();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "probe benchmark: %s\n", e.what());
        return 1;
    }
    return 0;
}
