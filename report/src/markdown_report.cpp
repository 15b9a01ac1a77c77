#include <drillhost/report/key_numbers.hpp>
#include <drillhost/report/markdown_report.hpp>

#include "markdown_text.hpp"

#include <sstream>

namespace drillhost::report {
namespace {

// A verdict in words first: a reader without colour (or a screen reader) gets it all.
std::string outcome_text(const std::string &outcome) {
    if (outcome == "passed") return "passed";
    return "**" + markdown_cell(outcome) + "**";
}

}  // namespace

std::string markdown_report(const RunJournal &run) {
    std::ostringstream md;
    md << "# drillhost run " << markdown_cell(run.run_id) << "\n\n";
    if (auto cluster = describe_cluster(run); !cluster.empty())
        md << "- Cluster: " << markdown_cell(cluster) << "\n";
    if (!run.drillhost_version.empty()) md << "- drillhost " << markdown_cell(run.drillhost_version) << "\n";
    md << "- Started " << markdown_cell(run.started_wall) << ", took " << human_ms(run.duration_ms)
       << (run.finished ? "" : " (the journal ends before the run did)") << "\n";
    md << "- Drills: " << markdown_cell(describe_outcomes(run)) << "\n";
    if (run.faults_open > 0)
        md << "- **" << run.faults_open << " fault(s) still open**: run `drillhost recover`\n";
    for (const auto &note : run.notes) md << "- Note: " << markdown_cell(note) << "\n";

    md << "\n| drill | verdict | time | checks | key numbers |\n|---|---|---|---|---|\n";
    for (const auto &d : run.drills) {
        std::string numbers;
        for (const auto *m : key_numbers(d, 5))
            numbers += (numbers.empty() ? "" : ", ") + m->name + " " + format_value(m->value, m->unit);
        size_t failed = d.failed_checks();
        md << "| " << markdown_cell(d.short_name()) << " | " << outcome_text(d.outcome) << " | "
           << human_ms(d.duration_ms) << " | " << d.checks.size() - failed << " pass"
           << (failed ? ", **" + std::to_string(failed) + " fail**" : "") << " | " << markdown_cell(numbers)
           << " |\n";
    }

    bool any = false;
    for (const auto &d : run.drills) {
        bool failed = d.failed_checks() > 0;
        if (!failed && (d.outcome == "passed" || d.outcome == "skipped")) continue;
        if (!any) md << "\n## Failed checks and drills that did not finish\n";
        any = true;
        md << "\n### " << markdown_cell(d.short_name()) << ": " << markdown_cell(d.outcome) << "\n\n";
        if (!d.message.empty()) md << markdown_cell(d.message) << "\n\n";
        for (const auto &c : d.checks)
            if (c.failed())
                md << "- **FAIL " << markdown_cell(c.name) << "**: observed " << markdown_cell(c.observed)
                   << "; bound " << markdown_cell(c.bound) << "\n";
        if (d.faults_left_open > 0)
            md << "- **" << d.faults_left_open << " fault(s) left open**: run `drillhost recover`\n";
    }
    std::string skipped;
    for (const auto &d : run.drills)
        if (d.outcome == "skipped")
            skipped += "- " + markdown_cell(d.short_name()) + ": " + markdown_cell(d.message) + "\n";
    if (!skipped.empty()) md << "\n## Skipped\n\n" << skipped;
    return md.str();
}

}  // namespace drillhost::report
