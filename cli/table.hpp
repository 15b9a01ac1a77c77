// A plain-text table for the terminal: columns padded to their widest cell, the last one wrapped to
// the terminal's width.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace drillhost::cli {

// The terminal's width when stdout is one, else $COLUMNS (20 to 10000), else 0 (no limit).
size_t terminal_columns();

class TextTable {
  public:
    explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    // To std::cout, fitted to the terminal's width (terminal_columns()); elsewhere whole lines.
    void print(std::ostream &out) const;
    // Fitted to `width` columns (0: no limit): the last column's text wraps at spaces beside its
    // row while at least 24 columns are left for it, else it moves under its row, indented.
    void print(std::ostream &out, size_t width) const;

  private:
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace drillhost::cli
