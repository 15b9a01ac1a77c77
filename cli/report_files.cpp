#include "report_files.hpp"

#include <drillhost/report/html_report.hpp>
#include <drillhost/report/junit_report.hpp>
#include <drillhost/report/markdown_report.hpp>
#include <drillhost/report/run_journal.hpp>

#include "output_file.hpp"

namespace drillhost::cli {

void ReportFiles::check() const {
    if (!html.empty()) check_output_file(html, "--html");
    if (!junit.empty()) check_output_file(junit, "--junit");
    if (!markdown.empty()) check_output_file(markdown, "--markdown");
}

void ReportFiles::write_from(const std::filesystem::path &journal) const {
    auto run = report::read_journal(journal);
    if (!html.empty()) write_output_file(html, report::html_report(run), "--html");
    if (!junit.empty()) write_output_file(junit, report::junit_xml(run), "--junit");
    if (!markdown.empty()) write_output_file(markdown, report::markdown_report(run), "--markdown");
}

}  // namespace drillhost::cli
