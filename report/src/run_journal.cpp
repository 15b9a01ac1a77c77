#include <drillhost/core/bounded_json.hpp>
#include <drillhost/core/errors.hpp>
#include <drillhost/core/redact.hpp>
#include <drillhost/report/run_journal.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace drillhost::report {
namespace {

using nlohmann::json;

// A field of a journal record, if it has the type asked for: a journal is read as untrusted input,
// so a wrong type is the field missing, never an exception from deep inside a renderer.
std::string text_at(const json &record, const char *key, const std::string &fallback = "") {
    auto it = record.find(key);
    return it != record.end() && it->is_string() ? it->get<std::string>() : fallback;
}

double number_at(const json &record, const char *key, double fallback = 0) {
    auto it = record.find(key);
    if (it == record.end() || !it->is_number()) return fallback;
    double value = it->get<double>();
    return std::isfinite(value) ? value : fallback;
}

// A count as the journal gives it, clamped: a hostile 1e300 is not undefined behaviour.
long count_at(const json &record, const char *key, long fallback = 0) {
    double value = number_at(record, key, static_cast<double>(fallback));
    return static_cast<long>(std::clamp(value, -1e15, 1e15));
}

// Times on the run's clock (mono_ms, durations, samples' t_ms) longer than this are not a run's:
// a journal that says so is refused rather than drawn on an axis of centuries.
constexpr double max_time_ms = 30.0 * 24 * 3600 * 1000;

// The events a timeline draws; the rest (bounds, preflight, ...) stay in the JSON journal.
bool drawn(const std::string &name) {
    return name == "roles" || name == "writer.series" || name.rfind("pgbench.", 0) == 0 ||
           name.rfind("takeover.", 0) == 0 || name == "haproxy.routes";
}

// "service kill patroni pg-3": the injector's short name and its parameters' plain values.
std::string fault_label(const std::string &injector, const json &params) {
    std::string label = injector.substr(injector.rfind('.') + 1);
    if (!params.is_object()) return label;
    for (const char *key : {"action", "service", "direction", "host", "member", "target", "signal"}) {
        auto it = params.find(key);
        if (it != params.end() && (it->is_string() || it->is_number_integer()))
            label += " " + (it->is_string() ? it->get<std::string>() : it->dump());
    }
    label = redact_text(label);  // before cutting: a cut URL no longer looks like one to the redactor
    return label.size() > 80 ? label.substr(0, 77) + "..." : label;
}

constexpr size_t max_line_bytes = 64u << 20;

}  // namespace

std::string DrillJournal::short_name() const {
    return id.substr(id.rfind('.') + 1);
}

std::string DrillJournal::family() const {
    auto dot = id.rfind('.');
    return dot == std::string::npos ? id : id.substr(0, dot);
}

const Measurement *DrillJournal::measurement(const std::string &name) const {
    for (auto it = measurements.rbegin(); it != measurements.rend(); ++it)
        if (it->name == name) return &*it;
    return nullptr;
}

size_t DrillJournal::failed_checks() const {
    size_t n = 0;
    for (const auto &c : checks) n += c.failed();
    return n;
}

std::map<std::string, int> RunJournal::outcome_counts() const {
    std::map<std::string, int> counts;
    for (const auto &d : drills) counts[d.outcome]++;
    return counts;
}

RunJournal parse_journal(std::istream &in, const std::string &where) {
    RunJournal run;
    DrillJournal *drill = nullptr;
    double drill_start = 0, run_start = 0, last_mono = 0;
    bool started = false;
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.size() > max_line_bytes)
            throw UsageError(where + ": line " + std::to_string(number) + " is longer than 64 MiB");
        if (line.empty()) continue;
        auto record = try_parse_bounded_json(line);
        if (!record || !record->is_object()) {
            // A run killed while it wrote leaves its last line cut, without its newline: what
            // came before still tells.
            if (!record && in.eof()) {
                run.notes.push_back("line " + std::to_string(number) +
                                    " is cut (the run ended while writing it)");
                break;
            }
            throw UsageError(where + ": line " + std::to_string(number) + " is not a JSON object");
        }
        const json &r = *record;
        std::string type = text_at(r, "type");
        double mono = number_at(r, "mono_ms", last_mono);
        auto check_time = [&](double t, const char *what) {
            if (std::fabs(t) > max_time_ms)
                throw UsageError(where + ": line " + std::to_string(number) + ": " + what + " " +
                                 std::to_string(t) + " ms is not a time within 30 days");
        };
        check_time(mono, "mono_ms");
        if (r.contains("duration_ms")) check_time(number_at(r, "duration_ms"), "duration_ms");
        if (r.contains("details") && r["details"].is_object())
            check_time(number_at(r["details"], "t_ms"), "details.t_ms");
        last_mono = mono;
        if (type == "run.start") {
            started = true;
            run.run_id = text_at(r, "run");
            run.started_wall = text_at(r, "wall");
            run.drillhost_version = text_at(r, "drillhost_version");
            // Since run.start named the version, a worker's now_ms() is the run's clock too;
            // before, probes in a worker timed their samples from the drill's start.
            run.samples_on_run_clock = !run.drillhost_version.empty();
            run_start = mono;
            continue;
        }
        if (!started) continue;  // nothing to attach it to
        run.duration_ms = mono - run_start;
        if (type == "run.info") {
            if (r.contains("cluster") && r["cluster"].is_object()) run.cluster = r["cluster"];
            if (run.drillhost_version.empty()) run.drillhost_version = text_at(r, "drillhost_version");
        } else if (type == "run.end") {
            run.finished = true;
            run.faults_open = count_at(r, "faults_open");
        } else if (type == "drill.start") {
            run.drills.emplace_back();
            drill = &run.drills.back();
            drill->id = text_at(r, "drill", "unnamed");
            drill->outcome = "unfinished";
            drill->started_wall = text_at(r, "wall");
            if (r.contains("params") && r["params"].is_object()) drill->params = r["params"];
            drill_start = mono;
            drill->start_mono_ms = mono;
            drill->samples_on_run_clock = run.samples_on_run_clock;
        } else if (drill) {
            double t = mono - drill_start;
            drill->duration_ms = std::max(drill->duration_ms, t);
            if (type == "drill.end") {
                drill->outcome = text_at(r, "outcome", "unfinished");
                drill->message = text_at(r, "message");
                drill->duration_ms = number_at(r, "duration_ms", t);
                drill->faults_injected = count_at(r, "faults_injected");
                drill->faults_left_open = count_at(r, "faults_left_open");
                drill = nullptr;
            } else if (type == "verdict") {
                drill->checks.push_back({text_at(r, "name"), text_at(r, "verdict"), text_at(r, "observed"),
                                         text_at(r, "bound"), t});
            } else if (type == "measurement") {
                drill->measurements.push_back(
                    {text_at(r, "name"), text_at(r, "unit"), number_at(r, "value"), t});
            } else if (type == "fault.injected") {
                std::string injector = text_at(r, "injector");
                drill->open_faults[count_at(r, "fault", -1)] = drill->faults.size();
                drill->faults.push_back({count_at(r, "fault", -1), injector,
                                         fault_label(injector, r.value("params", json())), t, -1, ""});
            } else if (type == "fault.reverted") {
                long id = count_at(r, "fault", -1);
                if (auto open = drill->open_faults.find(id); open != drill->open_faults.end()) {
                    auto &f = drill->faults[open->second];
                    f.reverted_ms = t, f.revert_error = text_at(r, "error");
                    drill->open_faults.erase(open);
                }
            } else if (type == "event") {
                std::string name = text_at(r, "name");
                const json details = r.contains("details") ? r["details"] : json::object();
                if (name == "phase" && details.is_object())
                    drill->phases.push_back({t, text_at(details, "phase")});
                else if (drawn(name))
                    // A sampler's own clock (t_ms, the drill's) when it gives one: the event is
                    // journalled after the sample was taken.
                    drill->samples.push_back({details.is_object() && details.contains("t_ms")
                                                  ? drill->on_drill_clock(number_at(details, "t_ms", mono))
                                                  : t,
                                              name, details});
            } else if (type == "log") {
                std::string severity = text_at(r, "severity");
                if (severity == "warn" || severity == "error")
                    drill->warnings.push_back(text_at(r, "message"));
            }
        }
    }
    if (!started) throw UsageError(where + ": no run.start: not a drillhost journal");
    return run;
}

RunJournal read_journal(const std::filesystem::path &path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw UsageError(path.string() + ": not a journal file (drillhost writes them under <state>/runs/)");
    // A day's run journals a few MiB; a file far larger is not one, and is not read into memory.
    constexpr std::uintmax_t max_journal_bytes = 1ull << 30;
    if (std::filesystem::file_size(path, ec) > max_journal_bytes)
        throw UsageError(path.string() + ": larger than 1 GiB: not a run's journal");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(path.string() + ": cannot be read");
    return parse_journal(in, path.string());
}

std::string human_ms(double ms) {
    char text[64];
    if (!std::isfinite(ms)) return "-";
    if (std::fabs(ms) < 1000)
        std::snprintf(text, sizeof text, "%.0f ms", ms);
    else if (std::fabs(ms) < 120000)
        std::snprintf(text, sizeof text, "%.1f s", ms / 1000);
    else
        std::snprintf(text, sizeof text, "%.0f min %02.0f s", std::trunc(ms / 60000),
                      std::floor(std::fmod(std::fabs(ms) / 1000, 60)));
    return text;
}

std::string describe_cluster(const RunJournal &run) {
    const json &c = run.cluster;
    if (!c.is_object()) return "";
    std::string text = text_at(c, "scope");
    auto add = [&](const std::string &part) {
        if (!part.empty()) text += (text.empty() ? "" : ", ") + part;
    };
    if (!text_at(c, "patroni_version").empty()) add("Patroni " + text_at(c, "patroni_version"));
    const json timing = c.contains("timing") && c["timing"].is_object() ? c["timing"] : json::object();
    for (const char *key : {"ttl", "loop_wait", "retry_timeout"})
        if (timing.contains(key) && timing[key].is_number())
            add(std::string(key) + " " + timing[key].dump() + " s");
    if (!text_at(c, "rto_plan").empty()) add("pg_rto plan " + text_at(c, "rto_plan"));
    return text;
}

std::string describe_outcomes(const RunJournal &run) {
    std::string text;
    for (const auto &[outcome, count] : run.outcome_counts())
        text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + outcome;
    return text.empty() ? "no drill" : text;
}

}  // namespace drillhost::report
