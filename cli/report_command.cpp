#include "report_command.hpp"

#include <drillhost/core/errors.hpp>
#include <drillhost/report/markdown_report.hpp>
#include <drillhost/report/run_comparison.hpp>
#include <drillhost/report/run_journal.hpp>

#include <iostream>
#include <memory>

#include "exit_codes.hpp"
#include "output_file.hpp"
#include "report_files.hpp"

namespace drillhost::cli {
namespace {

struct ReportOptions {
    std::string journal;
    std::vector<std::string> compare;  // A B
    ReportFiles files;
};

// Two runs side by side: Markdown (or JSON with --format json) on stdout, or --markdown FILE.
int compare_command(const GlobalOptions &global, const ReportOptions &o) {
    if (!o.files.html.empty() || !o.files.junit.empty())
        throw UsageError(
            "--compare writes Markdown (stdout or --markdown FILE) or JSON (--format json), not "
            "--html or --junit");
    if (!o.files.markdown.empty()) check_output_file(o.files.markdown, "--markdown");
    auto a = report::read_journal(o.compare[0]), b = report::read_journal(o.compare[1]);
    auto comparison = report::compare_runs(a, b);
    if (global.format == Format::json) {
        std::cout << report::comparison_json(comparison).dump(2) << '\n';
    } else if (o.files.markdown.empty()) {
        std::cout << report::comparison_markdown(comparison);
    } else {
        write_output_file(o.files.markdown, report::comparison_markdown(comparison), "--markdown");
    }
    return static_cast<int>(ExitCode::passed);
}

}  // namespace

std::function<int()> add_report_command(CLI::App &app, const GlobalOptions &global) {
    auto options = std::make_shared<ReportOptions>();
    auto *report = app.add_subcommand("report",
                                      "render a run's journal: Markdown on stdout, or "
                                      "--html/--junit/--markdown files; --compare A B puts two "
                                      "runs side by side (docs/reports.md)");
    report->add_option("journal", options->journal,
                       "the run's journal (<state>/runs/<run id>.jsonl, or run --journal)");
    report
        ->add_option("--compare", options->compare,
                     "two runs' journals, A and B: verdicts and numbers, B - A")
        ->expected(2);
    report->add_option("--html", options->files.html,
                       "write the HTML report here (one self-contained file: a timeline per drill)");
    report->add_option("--junit", options->files.junit, "write JUnit XML here (a testcase per drill)");
    report->add_option("--markdown", options->files.markdown,
                       "write Markdown here (the table and failed checks, or the comparison)");
    return [options, report, &global]() -> int {
        if (!*report) return -1;
        const ReportOptions &o = *options;
        if (!o.compare.empty()) {
            if (!o.journal.empty()) throw UsageError("give either a JOURNAL or --compare A B, not both");
            return compare_command(global, o);
        }
        if (o.journal.empty()) throw UsageError("report: give a run's JOURNAL, or --compare A B");
        o.files.check();
        if (!o.files.any()) {
            std::cout << report::markdown_report(report::read_journal(o.journal));
            return static_cast<int>(ExitCode::passed);
        }
        o.files.write_from(o.journal);
        return static_cast<int>(ExitCode::passed);
    };
}

}  // namespace drillhost::cli
