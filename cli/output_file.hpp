// Files a run writes at its end (--report): checked before the first drill, so a typo does not
// cost a whole run, and written whole or not at all.
#pragma once

#include <filesystem>
#include <string>

namespace drillhost::cli {

// Throws UsageError naming `option`, the path and the reason unless `path` can be written: its
// directory exists and takes new files, and an existing `path` is a regular file (not a
// symlink, not /proc or /sys).
void check_output_file(const std::filesystem::path &path, const std::string &option);

// Writes `text` to a new file beside `path` (mode 0600), fsyncs it and renames it over `path`.
// Throws InfraError naming `option`, the path and the reason.
void write_output_file(const std::filesystem::path &path, const std::string &text, const std::string &option);

}  // namespace drillhost::cli
