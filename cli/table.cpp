#include "table.hpp"

#include <algorithm>

namespace drillhost::cli {

// Display width of UTF-8 text: count the bytes that start a code point.
static size_t display_width(const std::string &text) {
    return static_cast<size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

static constexpr size_t max_rule_width = 120;

void TextTable::print(std::ostream &out) const {
    std::vector<size_t> widths;
    for (const auto &row : rows_) {
        if (widths.size() < row.size()) widths.resize(row.size(), 0);
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
    }
    for (size_t r = 0; r < rows_.size(); ++r) {
        const auto &row = rows_[r];
        for (size_t i = 0; i < row.size(); ++i) {
            out << row[i];
            if (i + 1 < row.size()) out << std::string(widths[i] - display_width(row[i]) + 2, ' ');
        }
        out << '\n';
        if (r == 0) {
            size_t total = 0;
            for (size_t w : widths) total += w + 2;
            // A long last column (the summary's numbers) wraps anyway; the rule stays one line.
            out << std::string(std::min<size_t>(total > 2 ? total - 2 : 0, max_rule_width), '-') << '\n';
        }
    }
}

}  // namespace drillhost::cli
