#include "pgbench_output.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace drillhost::probes::pgbench {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// The number at the start of `s` (strtod accepts "nan" and "-nan", which pgbench prints for an
// empty interval's stddev), and the rest of `s` after it.
std::optional<double> leading_number(std::string_view s, std::string_view &rest) {
    std::string copy(s);
    char *end = nullptr;
    double value = std::strtod(copy.c_str(), &end);
    if (end == copy.c_str()) return std::nullopt;
    rest = s.substr(end - copy.c_str());
    return value;
}

std::optional<double> number_after(std::string_view line, std::string_view key) {
    auto at = line.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest;
    return leading_number(line.substr(at + key.size()), rest);
}

}  // namespace

std::optional<Progress> parse_progress(std::string_view line) {
    if (!starts_with(line, "progress: ")) return std::nullopt;
    Progress p;
    bool have_tps = false, have_latency = false, first = true;
    std::string_view text = line.substr(10);
    while (!text.empty()) {
        auto comma = text.find(", ");
        std::string_view piece = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 2);
        std::string_view rest;
        if (starts_with(piece, "lat ")) {
            auto latency = leading_number(piece.substr(4), rest);
            auto stddev = number_after(rest, "stddev ");
            if (!latency || !stddev) return std::nullopt;
            p.latency_ms = *latency;
            p.stddev_ms = *stddev;
            have_latency = true;
            continue;
        }
        if (starts_with(piece, "lag ")) {
            p.lag_ms = leading_number(piece.substr(4), rest);
            continue;
        }
        auto value = leading_number(piece, rest);
        if (!value) return std::nullopt;
        if (first && rest == " s")
            p.elapsed_s = *value;
        else if (rest == " tps")
            p.tps = *value, have_tps = true;
        else if (rest == " failed")
            p.failed = static_cast<long>(*value);
        else if (rest == " skipped")
            p.skipped = static_cast<long>(*value);
        else if (rest == " retried")
            p.retried = static_cast<long>(*value);
        first = false;
    }
    if (!have_tps || !have_latency) return std::nullopt;
    return p;
}

bool read_summary_line(std::string_view line, Summary &s) {
    if (starts_with(line, "transaction type: ")) {
        s.transaction_type = std::string(line.substr(18));
        return true;
    }
    std::string_view rest;
    struct Field {
        std::string_view key;
        std::optional<double> *real;
        std::optional<long> *count;
    };
    std::optional<double> transactions, failed;
    const Field fields[] = {{"number of transactions actually processed: ", &transactions, &s.transactions},
                            {"number of failed transactions: ", &failed, &s.failed},
                            {"latency average = ", &s.latency_avg_ms, nullptr},
                            {"latency stddev = ", &s.latency_stddev_ms, nullptr},
                            {"initial connection time = ", &s.initial_connection_ms, nullptr},
                            {"tps = ", &s.tps, nullptr}};
    for (const auto &f : fields) {
        if (!starts_with(line, f.key)) continue;
        auto value = leading_number(line.substr(f.key.size()), rest);
        if (!value) return false;
        if (f.count)
            *f.count = static_cast<long>(*value);
        else
            *f.real = value;
        return true;
    }
    return false;
}

bool is_client_abort(std::string_view line) {
    return line.find("client ") != std::string_view::npos && line.find(" aborted") != std::string_view::npos;
}

bool is_error(std::string_view line) {
    return starts_with(line, "pgbench: error: ") || starts_with(line, "pgbench: fatal: ");
}

ExitStatus decode_exit(int wait_status) {
    ExitStatus e;
    if (WIFEXITED(wait_status)) {
        e.code = WEXITSTATUS(wait_status);
        switch (*e.code) {
            case 0:
                e.meaning = "completed";
                break;
            case 1:
                e.meaning = "did not start: invalid options, or the first connections failed";
                break;
            case 2:
                e.meaning = "errors during the run (clients aborted): results incomplete";
                break;
            default:
                e.meaning = "exited with an undocumented status";
        }
    } else if (WIFSIGNALED(wait_status)) {
        e.signal = WTERMSIG(wait_status);
        e.meaning = std::string("ended by signal ") + strsignal(*e.signal);
    } else {
        e.meaning = "unknown wait status " + std::to_string(wait_status);
    }
    return e;
}

}  // namespace drillhost::probes::pgbench
