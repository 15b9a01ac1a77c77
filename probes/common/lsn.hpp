// PostgreSQL's text form of a WAL position ("0/3000060"), for every probe that reads or reports one.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace drillhost::probes {

// nullopt for anything that is not exactly HEX/HEX.
inline std::optional<uint64_t> parse_lsn(const std::string &text) {
    unsigned high = 0, low = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%X/%X%n", &high, &low, &consumed) != 2 ||
        consumed != static_cast<int>(text.size()))
        return std::nullopt;
    return (static_cast<uint64_t>(high) << 32) | low;
}

inline std::string format_lsn(uint64_t lsn) {
    char text[32];
    std::snprintf(text, sizeof text, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn));
    return text;
}

}  // namespace drillhost::probes
