// A run as its journal tells it: the run, and per drill its faults (in and out), phases, checks,
// measurements and the samples its probes journalled (roles, the writer's series, pgbench's
// intervals, the takeover's phases). What the reports (HTML, JUnit, Markdown, comparisons) are
// rendered from. A journal is read as untrusted input: a wrongly typed field is left out, a line
// that is not JSON is an error naming its number, and only a crash's cut last line is tolerated.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <istream>
#include <map>
#include <string>
#include <vector>

namespace drillhost::report {

// On the drill's clock: milliseconds since its drill.start.
struct Check {
    std::string name, verdict, observed, bound;  // verdict: pass, fail, skip, ...
    double t_ms = 0;
    bool failed() const { return verdict == "fail"; }
};

struct Measurement {
    std::string name, unit;
    double value = 0, t_ms = 0;
};

struct FaultSpan {
    long id = 0;
    std::string injector, label;  // label: "service kill patroni on pg-3"
    double injected_ms = 0;
    double reverted_ms = -1;  // -1: never reverted in this journal
    std::string revert_error;
    // Where its span ends on a timeline: its revert, else the drill's end.
    double end_ms(double drill_end_ms) const { return reverted_ms >= 0 ? reverted_ms : drill_end_ms; }
};

struct Phase {
    double t_ms = 0;
    std::string text;
};

// An event a probe or the drill journalled (name and details), kept for the timeline.
struct Sample {
    double t_ms = 0;  // on the drill's clock
    std::string name;
    nlohmann::json details;
};

struct DrillJournal {
    std::string id;          // org.drillhost.drill.primary-down-node-lost
    std::string outcome;     // passed, failed, skipped, error, crashed, cancelled, timed out; "unfinished"
    std::string message;     // why, for anything but passed
    double duration_ms = 0;  // from drill.end; else the last record's time
    std::string started_wall;
    double start_mono_ms = 0;  // the run's clock (mono_ms) at drill.start
    nlohmann::json params = nlohmann::json::object();
    long faults_injected = 0, faults_left_open = 0;
    std::vector<Check> checks;
    std::vector<Measurement> measurements;
    std::vector<FaultSpan> faults;
    std::vector<Phase> phases;
    std::vector<Sample> samples;
    std::vector<std::string> warnings;   // the drill's warn and error log lines
    std::map<long, size_t> open_faults;  // while parsing: a fault's id -> its index in faults

    // A time a probe gave on the host's clock (now_ms(), the run's mono_ms) on the drill's. A
    // journal written before workers shared the run's clock (its run.start names no version) gave
    // it since the drill's start already.
    double on_drill_clock(double host_ms) const {
        return samples_on_run_clock ? host_ms - start_mono_ms : host_ms;
    }
    bool samples_on_run_clock = true;
    std::string short_name() const;  // the id's last part
    std::string family() const;      // the id without its last part: org.drillhost.drill
    const Measurement *measurement(const std::string &name) const;
    size_t failed_checks() const;
};

struct RunJournal {
    std::string run_id, started_wall, drillhost_version;
    double duration_ms = 0;
    bool finished = false;              // run.end was journalled
    bool samples_on_run_clock = false;  // see DrillJournal::on_drill_clock
    long faults_open = 0;
    nlohmann::json cluster;  // run.info: {scope, patroni_version, timing, rto_plan, ...}, if journalled
    std::vector<DrillJournal> drills;
    std::vector<std::string> notes;  // what the reader had to work around (a cut last line)

    std::map<std::string, int> outcome_counts() const;
};

// Parses a journal; `where` names it in errors. Throws drillhost::UsageError for a line that is not
// a JSON object (naming the line), for a line longer than 64 MiB and for no run.start at all.
RunJournal parse_journal(std::istream &in, const std::string &where);
RunJournal read_journal(const std::filesystem::path &path);

// A duration as a person reads it: "850 ms", "12.4 s", "3 min 05 s".
std::string human_ms(double ms);

// "pg-test, Patroni 4.1.4, ttl 20 s, loop_wait 1 s, retry_timeout 3 s", from run.info's cluster;
// "" when the journal has none.
std::string describe_cluster(const RunJournal &run);

// "20 passed, 1 failed, 1 skipped".
std::string describe_outcomes(const RunJournal &run);

}  // namespace drillhost::report
