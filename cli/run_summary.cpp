#include "run_summary.hpp"

#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/redact.hpp>
#include <drillhost/core/repeat_summary.hpp>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cluster_table.hpp"
#include "exit_codes.hpp"
#include "table.hpp"

namespace drillhost::cli {
namespace {

const char *verdict_text(dh_verdict v) {
    return v == DH_VERDICT_PASS ? "pass" : v == DH_VERDICT_FAIL ? "fail" : "skip";
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

nlohmann::json to_json(const DrillResult &r) {
    nlohmann::json assertions = nlohmann::json::array();
    for (const auto &a : r.assertions)
        assertions.push_back({{"name", a.name},
                              {"verdict", verdict_text(a.verdict)},
                              {"observed", a.observed},
                              {"bound", a.bound}});
    nlohmann::json measurements = nlohmann::json::array();
    for (const auto &m : r.measurements)
        measurements.push_back({{"name", m.name}, {"value", m.value}, {"unit", m.unit}});
    return {{"drill", r.drill},
            {"outcome", outcome_name(r.outcome)},
            {"message", r.message},
            {"duration_ms", r.duration_ms},
            {"faults_injected", r.faults_injected},
            {"faults_left_open", r.faults_left_open},
            {"assertions", assertions},
            {"measurements", measurements}};
}

// The numbers a drill measured that Pigsty's RTO ranges speak of, and the bound Patroni's timing
// gave the takeover (the drill's own check of it).
constexpr const char *rto_measurements[] = {"rto", "service_rto", "service_routed", "switchover", "failover"};

// {expected: Pigsty's range for the drill's failure path, measured: {name: ms}, patroni_bound};
// null when there is no plan or the drill has no path in Pigsty's table.
nlohmann::json against_plan(const DrillResult &r, const std::optional<RtoPlan> &plan,
                            const nlohmann::json &cluster) {
    if (!plan) return nullptr;
    nlohmann::json expected = expected_rto_json(*plan, r.drill, cluster.value("timing", nlohmann::json()));
    if (expected.is_null()) return nullptr;
    nlohmann::json measured = nlohmann::json::object();
    for (const auto &m : r.measurements)
        for (const char *name : rto_measurements)
            if (m.name == name) measured[m.name] = m.value;
    nlohmann::json bound = nullptr;
    for (const auto &a : r.assertions)
        if (a.name == "a new leader took over" || a.name == "candidate leads") bound = a.bound;
    return {{"expected", expected}, {"measured", measured}, {"patroni_bound", bound}};
}

// "Patroni 4.1.4, ttl 20 s, ..." or why it is not known.
std::string cluster_line(const nlohmann::json &cluster) {
    if (cluster.contains("error"))
        return "cluster: Patroni version and timing not read (" + cluster.value("error", "") + ")";
    return "cluster: " +
           timing_header(cluster.value("patroni_version", ""), cluster.value("timing", nlohmann::json()));
}

nlohmann::json spread_json(const MeasurementSpread &m) {
    return {{"name", m.name}, {"unit", m.unit}, {"values", m.values},
            {"p50", m.p50},   {"p95", m.p95},   {"max", m.max}};
}

nlohmann::json repeats_json(const std::vector<DrillRepeats> &drills) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto &d : drills) {
        nlohmann::json spreads = nlohmann::json::array();
        for (const auto &m : d.measurements) spreads.push_back(spread_json(m));
        nlohmann::json verdicts = nlohmann::json::array();
        for (const auto *r : d.runs) verdicts.push_back(outcome_name(r->outcome));
        out.push_back({{"drill", d.drill},
                       {"runs", d.runs.size()},
                       {"outcomes", d.outcomes},
                       {"verdicts", verdicts},
                       {"unstable", d.unstable},
                       {"measurements", spreads}});
    }
    return out;
}

std::string counts_text(const std::map<std::string, int> &outcomes) {
    std::string text;
    for (const auto &[name, count] : outcomes)
        text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + name;
    return text;
}

// Each drill once: its verdict counts, each measurement's spread; an unstable drill's runs side by side.
void print_repeats(std::ostream &text, const std::vector<DrillRepeats> &drills, size_t width) {
    TextTable table({"DRILL", "RUNS", "VERDICTS", "NUMBERS (p50 / p95 / max)"});
    for (const auto &d : drills) {
        std::string numbers;
        for (const auto &m : d.measurements)
            numbers += (numbers.empty() ? "" : ", ") + m.name + "=" + number(m.p50) + " / " + number(m.p95) +
                       " / " + number(m.max) + (m.unit.empty() ? "" : " " + m.unit);
        table.add({d.drill + (d.unstable ? " (unstable)" : ""), std::to_string(d.runs.size()),
                   counts_text(d.outcomes), numbers});
    }
    text << "\nrepeated runs:\n";
    table.print(text, width);
    for (const auto &d : drills) {
        if (!d.unstable) continue;
        text << "  UNSTABLE " << d.drill << ": its runs gave different verdicts\n";
        for (size_t i = 0; i < d.runs.size(); ++i) {
            const DrillResult &r = *d.runs[i];
            std::string numbers;
            for (const auto &m : r.measurements)
                numbers += (numbers.empty() ? "" : ", ") + m.name + "=" + number(m.value) +
                           (m.unit.empty() ? "" : " " + m.unit);
            text << "    run " << i + 1 << ": " << outcome_name(r.outcome)
                 << (numbers.empty() ? "" : "; " + numbers) << '\n';
            for (const auto &a : r.assertions)
                if (a.verdict == DH_VERDICT_FAIL)
                    text << "      FAIL " << a.name << ": observed " << a.observed << ", bound " << a.bound
                         << '\n';
        }
    }
}

// Each drill Pigsty's table covers: its expected range beside what was measured and Patroni's bound.
void print_against_plan(std::ostringstream &text, const RunRecord &run) {
    bool header = false;
    for (const auto &r : run.results) {
        nlohmann::json held = against_plan(r, run.plan, run.cluster);
        if (held.is_null()) continue;
        const auto &e = held["expected"];
        if (!header) {
            text << "RTO against the " << run.plan->name
                 << " plan (Pigsty's range for the failure path, with ttl " << number(e["ttl"].get<double>())
                 << " s and loop_wait " << number(e["loop_wait"].get<double>()) << " s):\n";
            header = true;
        }
        std::string measured;
        for (const auto &[name, value] : held["measured"].items())
            measured += (measured.empty() ? "" : ", ") + name + " " + number(value.get<double>()) + " ms";
        text << "  " << r.drill << ": " << e["path"].get<std::string>() << ", expected "
             << number(e["min_ms"].get<double>() / 1000) << " .. " << number(e["max_ms"].get<double>() / 1000)
             << " s; measured " << (measured.empty() ? "nothing" : measured)
             << (held["patroni_bound"].is_string()
                     ? "; Patroni's bound " + held["patroni_bound"].get<std::string>()
                     : "")
             << '\n';
    }
}

}  // namespace

void print_summary(std::ostream &out, const RunRecord &run, bool as_json) {
    const auto &results = run.results;
    auto repeats = summarise_repeats(results);
    if (as_json) {
        nlohmann::json drills = nlohmann::json::array();
        for (const auto &r : results) {
            drills.push_back(to_json(r));
            if (auto held = against_plan(r, run.plan, run.cluster); !held.is_null())
                drills.back()["rto_plan"] = held;
        }
        nlohmann::json summary{{"run", run.run_id},
                               {"journal", run.journal.string()},
                               {"exit_code", exit_code_for(results)},
                               {"duration_ms", run.wall_ms},
                               {"cluster", run.cluster},
                               {"repeat", run.repeat},
                               {"rto_plan", run.plan ? run.plan->to_json() : nlohmann::json(nullptr)},
                               {"drills", drills}};
        if (run.repeat > 1) summary["repeats"] = repeats_json(repeats);
        // Verdict texts and messages come from plugins and servers: no secret leaves in a report.
        out << dump_json(redact_json(summary), 2) << '\n';
        return;
    }
    TextTable table({"DRILL", "VERDICT", "TIME", "CHECKS", "NUMBERS"});
    for (const auto &r : results) {
        int pass = 0, fail = 0, skip = 0;
        for (const auto &a : r.assertions)
            (a.verdict == DH_VERDICT_PASS ? pass : a.verdict == DH_VERDICT_FAIL ? fail : skip)++;
        std::string numbers;
        for (const auto &m : r.measurements)
            numbers += (numbers.empty() ? "" : ", ") + m.name + "=" + number(m.value) +
                       (m.unit.empty() ? "" : " " + m.unit);
        char time[32];
        std::snprintf(time, sizeof time, "%.1f s", r.duration_ms / 1000.0);
        table.add({r.drill, outcome_name(r.outcome), time,
                   std::to_string(pass) + " pass, " + std::to_string(fail) + " fail" +
                       (skip ? ", " + std::to_string(skip) + " skip" : ""),
                   numbers});
    }
    // Fitted to the terminal when it goes to one: the numbers wrap instead of running off the edge.
    const size_t width = &out == &std::cout ? terminal_columns() : 0;
    std::ostringstream text;
    text << '\n' << cluster_line(run.cluster) << '\n';
    table.print(text, width);
    for (const auto &r : results)
        for (const auto &a : r.assertions)
            if (a.verdict == DH_VERDICT_FAIL)
                text << "  FAIL " << r.drill << ": " << a.name << ": observed " << a.observed << ", bound "
                     << a.bound << '\n';
    if (run.repeat > 1) print_repeats(text, repeats, width);
    print_against_plan(text, run);
    char total[96];
    std::snprintf(total, sizeof total, "%zu drill(s)%s in %d min %.1f s", repeats.size(),
                  run.repeat > 1 ? (" x " + std::to_string(run.repeat) + " runs").c_str() : "",
                  static_cast<int>(run.wall_ms / 60000),
                  (run.wall_ms - 60000 * static_cast<int>(run.wall_ms / 60000)) / 1000);
    text << total << '\n';
    text << "journal: " << run.journal.string() << '\n';
    out << redact_text(text.str());
}

int exit_code_for(const std::vector<DrillResult> &results) {
    int code = static_cast<int>(ExitCode::passed);
    for (const auto &drill : summarise_repeats(results))
        if (drill.unstable) code = static_cast<int>(ExitCode::drill_failed);  // passed and skipped alike
    for (const auto &r : results) {
        if (r.faults_left_open > 0 || (r.outcome == Outcome::error && r.status == DH_ERR_UNAVAILABLE))
            return static_cast<int>(ExitCode::infrastructure);
        if (r.outcome != Outcome::passed && r.outcome != Outcome::skipped)
            code = static_cast<int>(ExitCode::drill_failed);
    }
    return code;
}

}  // namespace drillhost::cli
