// A plain-text table for the terminal: columns padded to their widest cell.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace drillhost::cli {

class TextTable {
  public:
    explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    void print(std::ostream &out) const;

  private:
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace drillhost::cli
