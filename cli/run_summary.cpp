#include "run_summary.hpp"

#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/redact.hpp>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

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

}  // namespace

void print_summary(std::ostream &out, const std::vector<DrillResult> &results, bool as_json,
                   const std::string &run_id, const std::filesystem::path &journal, double wall_ms) {
    if (as_json) {
        nlohmann::json drills = nlohmann::json::array();
        for (const auto &r : results) drills.push_back(to_json(r));
        // Verdict texts and messages come from plugins and servers: no secret leaves in a report.
        out << dump_json(redact_json(nlohmann::json{{"run", run_id},
                                                    {"journal", journal.string()},
                                                    {"exit_code", exit_code_for(results)},
                                                    {"duration_ms", wall_ms},
                                                    {"drills", drills}}),
                         2)
            << '\n';
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
    std::ostringstream text;
    text << '\n';
    table.print(text);
    for (const auto &r : results)
        for (const auto &a : r.assertions)
            if (a.verdict == DH_VERDICT_FAIL)
                text << "  FAIL " << r.drill << ": " << a.name << ": observed " << a.observed << ", bound "
                     << a.bound << '\n';
    char total[64];
    std::snprintf(total, sizeof total, "%zu drill(s) in %d min %.1f s", results.size(),
                  static_cast<int>(wall_ms / 60000),
                  (wall_ms - 60000 * static_cast<int>(wall_ms / 60000)) / 1000);
    text << total << '\n';
    text << "journal: " << journal.string() << '\n';
    out << redact_text(text.str());
}

int exit_code_for(const std::vector<DrillResult> &results) {
    int code = static_cast<int>(ExitCode::passed);
    for (const auto &r : results) {
        if (r.faults_left_open > 0 || (r.outcome == Outcome::error && r.status == DH_ERR_UNAVAILABLE))
            return static_cast<int>(ExitCode::infrastructure);
        if (r.outcome != Outcome::passed && r.outcome != Outcome::skipped)
            code = static_cast<int>(ExitCode::drill_failed);
    }
    return code;
}

}  // namespace drillhost::cli
