#include "report_command.hpp"

#include <drillhost/report/markdown_report.hpp>
#include <drillhost/report/run_journal.hpp>

#include <iostream>
#include <memory>

#include "exit_codes.hpp"
#include "report_files.hpp"

namespace drillhost::cli {

std::function<int()> add_report_command(CLI::App &app, const GlobalOptions &) {
    struct Options {
        std::string journal;
        ReportFiles files;
    };
    auto options = std::make_shared<Options>();
    auto *report = app.add_subcommand(
        "report",
        "render a run's journal: Markdown on stdout, or --html/--junit/--markdown files (docs/reports.md)");
    report
        ->add_option("journal", options->journal,
                     "the run's journal (<state>/runs/<run id>.jsonl, or run --journal)")
        ->required();
    report->add_option("--html", options->files.html,
                       "write the HTML report here (one self-contained file: a timeline per drill)");
    report->add_option("--junit", options->files.junit, "write JUnit XML here (a testcase per drill)");
    report->add_option("--markdown", options->files.markdown,
                       "write Markdown here (the table and failed checks)");
    return [options, report]() -> int {
        if (!*report) return -1;
        options->files.check();
        if (!options->files.any()) {
            std::cout << report::markdown_report(report::read_journal(options->journal));
            return static_cast<int>(ExitCode::passed);
        }
        options->files.write_from(options->journal);
        return static_cast<int>(ExitCode::passed);
    };
}

}  // namespace drillhost::cli
