// Two runs side by side (`report --compare A B`): Patroni 3.0.2 against 4.1.4, ttl 10 against 30.
// Drills are paired by id (the n-th run of a drill in A with the n-th in B); for each pair, the
// verdicts and every measurement either run has, with B - A and how much that is of A.
#pragma once

#include <drillhost/report/run_journal.hpp>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace drillhost::report {

struct NumberPair {
    std::string name, unit;
    std::optional<double> a, b;  // absent from that run
    std::optional<double> difference() const;
};

struct DrillPair {
    std::string id;
    const DrillJournal *a = nullptr, *b = nullptr;  // nullptr: the drill is not in that run
    std::vector<NumberPair> numbers;                // the key numbers first, then the rest
    bool verdict_changed() const;
};

struct RunComparison {
    const RunJournal *a, *b;
    std::vector<DrillPair> drills;
};

RunComparison compare_runs(const RunJournal &a, const RunJournal &b);

std::string comparison_markdown(const RunComparison &comparison);
nlohmann::json comparison_json(const RunComparison &comparison);

}  // namespace drillhost::report
