// The report files a user asked for (--html, --junit, --markdown), rendered from a journal: by `report`,
// and by `run` at its end, whatever the drills' outcomes (a failed, crashed or cancelled drill is
// what a report is for).
#pragma once

#include <filesystem>
#include <string>

namespace drillhost::cli {

struct ReportFiles {
    std::string html, junit, markdown;
    bool any() const { return !html.empty() || !junit.empty() || !markdown.empty(); }
    // Refuses (UsageError naming the option) a path that cannot be written, before any work.
    void check() const;
    // Renders and writes each file asked for. Throws UsageError for a journal that cannot be read,
    // InfraError for a file that cannot be written.
    void write_from(const std::filesystem::path &journal) const;
};

}  // namespace drillhost::cli
