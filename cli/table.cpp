#include "table.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace drillhost::cli {

// Display width of UTF-8 text: count the bytes that start a code point.
static size_t display_width(const std::string &text) {
    return static_cast<size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Splits `text` after each `separator` (kept with the piece before it).
static std::vector<std::string> pieces(const std::string &text, const std::string &separator) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at < text.size()) {
        size_t next = text.find(separator, at);
        if (next == std::string::npos) {
            out.push_back(text.substr(at));
            break;
        }
        out.push_back(text.substr(at, next - at + separator.size() - 1));  // "a," without the space
        at = next + separator.size();
    }
    return out;
}

// `text` in lines of at most `width` columns, broken after a ", " (a number stays with its unit),
// else at a space; a word wider than the line is cut.
static std::vector<std::string> wrap(const std::string &text, size_t width) {
    std::vector<std::string> lines;
    std::string line;
    auto place = [&](std::string item) {
        if (!line.empty() && display_width(line) + 1 + display_width(item) > width)
            lines.push_back(line), line.clear();
        while (display_width(item) > width) {  // cut at a code point's start
            size_t cut = width;
            while (cut > 0 && (item[cut] & 0xC0) == 0x80) --cut;
            lines.push_back(item.substr(0, cut));
            item.erase(0, cut);
        }
        if (!item.empty()) line += (line.empty() ? "" : " ") + item;
    };
    for (const auto &item : pieces(text, ", ")) {
        if (display_width(item) <= width)
            place(item);
        else
            for (const auto &word : pieces(item, " "))
                if (!word.empty()) place(word);
    }
    if (!line.empty() || lines.empty()) lines.push_back(line);
    return lines;
}

size_t terminal_columns() {
    winsize size{};
    if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    // Not a terminal: the width the user's shell says, else none (a file or a pipe keeps whole lines).
    if (const char *columns = std::getenv("COLUMNS")) {
        char *end = nullptr;
        long n = std::strtol(columns, &end, 10);
        if (end != columns && *end == '\0' && n >= 20 && n <= 10000) return static_cast<size_t>(n);
    }
    return 0;
}

void TextTable::print(std::ostream &out) const {
    print(out, &out == &std::cout ? terminal_columns() : 0);
}

void TextTable::print(std::ostream &out, size_t width) const {
    std::vector<size_t> widths;
    for (const auto &row : rows_) {
        if (widths.size() < row.size()) widths.resize(row.size(), 0);
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
    }
    size_t last = widths.empty() ? 0 : widths.size() - 1, indent = 0;
    for (size_t i = 0; i < last; ++i) indent += widths[i] + 2;
    // Where the last column (the summary's numbers) goes when the rows are wider than the terminal:
    // wrapped in its own column while that leaves it room, else under its row.
    constexpr size_t min_column = 24, under_indent = 4;
    bool fits = width == 0 || indent + widths[last] <= width;
    bool beside = !fits && width > indent + min_column;
    for (size_t r = 0; r < rows_.size(); ++r) {
        const auto &row = rows_[r];
        bool in_place =
            fits || r == 0 || row.size() <= last || display_width(row[last]) <= (beside ? width - indent : 0);
        for (size_t i = 0; i < row.size(); ++i) {
            bool is_last = i + 1 == row.size();
            if (!is_last) {
                bool before_moved = i + 1 == last && !in_place && !beside;  // no padding to nothing
                out << row[i]
                    << (before_moved ? "" : std::string(widths[i] - display_width(row[i]) + 2, ' '));
                continue;
            }
            if (in_place) {
                out << row[i];
            } else if (beside) {
                auto lines = wrap(row[i], width - indent);
                for (size_t l = 0; l < lines.size(); ++l)
                    out << (l ? "\n" + std::string(indent, ' ') : "") << lines[l];
            } else {
                for (const auto &line : wrap(row[i], width - under_indent))
                    out << '\n' << std::string(under_indent, ' ') << line;
            }
        }
        out << '\n';
        if (r == 0) {
            size_t total = indent + widths[last];
            size_t rule = width ? std::min(total, width) : std::min<size_t>(total, 120);
            out << std::string(rule, '-') << '\n';
        }
    }
}

}  // namespace drillhost::cli
