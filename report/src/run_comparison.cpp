#include <drillhost/core/redact.hpp>
#include <drillhost/report/key_numbers.hpp>
#include <drillhost/report/run_comparison.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "markdown_text.hpp"

namespace drillhost::report {
namespace {

// Each measurement's last value, in the order the drill first gave it.
std::vector<const Measurement *> last_of_each(const DrillJournal &d) {
    std::vector<const Measurement *> out;
    for (const auto &m : d.measurements) {
        const Measurement *last = d.measurement(m.name);
        bool seen = false;
        for (const auto *o : out) seen = seen || o->name == m.name;
        if (!seen) out.push_back(last);
    }
    return out;
}

std::vector<NumberPair> pair_numbers(const DrillJournal *a, const DrillJournal *b) {
    std::vector<NumberPair> pairs;
    auto slot = [&](const Measurement &m) -> NumberPair & {
        for (auto &p : pairs)
            if (p.name == m.name) return p;
        pairs.push_back({m.name, m.unit, std::nullopt, std::nullopt});
        return pairs.back();
    };
    // The key numbers first (as every report orders them), then the others.
    for (const DrillJournal *d : {a, b})
        if (d)
            for (const auto *m : key_numbers(*d, 10)) slot(*m);
    if (a)
        for (const auto *m : last_of_each(*a)) slot(*m).a = m->value;
    if (b)
        for (const auto *m : last_of_each(*b)) slot(*m).b = m->value;
    return pairs;
}

std::string signed_value(double value, const std::string &unit) {
    if (value == 0) return "0";
    return (value > 0 ? "+" : "-") + format_value(std::fabs(value), unit);
}

}  // namespace

std::optional<double> NumberPair::difference() const {
    if (!a || !b) return std::nullopt;
    return *b - *a;
}

bool DrillPair::verdict_changed() const {
    return !a || !b || a->outcome != b->outcome;
}

RunComparison compare_runs(const RunJournal &a, const RunJournal &b) {
    RunComparison c{&a, &b, {}};
    std::map<std::string, std::vector<const DrillJournal *>> in_b;
    for (const auto &d : b.drills) in_b[d.id].push_back(&d);
    std::map<std::string, size_t> used;
    for (const auto &d : a.drills) {
        auto &candidates = in_b[d.id];
        size_t n = used[d.id]++;
        c.drills.push_back({d.id, &d, n < candidates.size() ? candidates[n] : nullptr, {}});
    }
    for (const auto &[id, drills] : in_b)
        for (size_t n = used[id]; n < drills.size(); ++n) c.drills.push_back({id, nullptr, drills[n], {}});
    for (auto &pair : c.drills) pair.numbers = pair_numbers(pair.a, pair.b);
    return c;
}

std::string comparison_markdown(const RunComparison &c) {
    std::ostringstream md;
    auto describe = [](const RunJournal &r) {
        std::string cluster = describe_cluster(r);
        return markdown_cell(r.run_id + (cluster.empty() ? "" : " (" + cluster + ")") + ": " +
                             describe_outcomes(r));
    };
    md << "# drillhost runs compared\n\n- A: " << describe(*c.a) << "\n- B: " << describe(*c.b) << "\n";
    size_t changed = 0;
    for (const auto &p : c.drills) changed += p.verdict_changed();
    md << "- Verdicts that differ: " << changed << " of " << c.drills.size() << " drills\n";
    for (const auto &p : c.drills) {
        std::string name = p.a ? p.a->short_name() : p.b->short_name();
        md << "\n## " << markdown_cell(name) << (p.verdict_changed() ? ": **verdict changed**" : "")
           << "\n\n";
        md << "| | A | B | B − A |\n|---|---|---|---|\n";
        md << "| verdict | " << (p.a ? markdown_cell(p.a->outcome) : "not run") << " | "
           << (p.b ? markdown_cell(p.b->outcome) : "not run") << " | "
           << (p.verdict_changed() ? "**changed**" : "same") << " |\n";
        if (p.a && p.b)
            md << "| time | " << human_ms(p.a->duration_ms) << " | " << human_ms(p.b->duration_ms) << " | "
               << signed_value(p.b->duration_ms - p.a->duration_ms, "ms") << " |\n";
        for (const auto &n : p.numbers) {
            md << "| " << markdown_cell(n.name) << " | "
               << (n.a ? markdown_cell(format_value(*n.a, n.unit)) : "-") << " | "
               << (n.b ? markdown_cell(format_value(*n.b, n.unit)) : "-") << " | ";
            if (auto d = n.difference()) {
                md << markdown_cell(signed_value(*d, n.unit));
                if (*n.a != 0 && *d != 0) {
                    char pct[32];
                    std::snprintf(pct, sizeof pct, " (%+.0f%%)", 100 * *d / std::fabs(*n.a));
                    md << pct;
                }
            } else {
                md << "-";
            }
            md << " |\n";
        }
    }
    return md.str();
}

nlohmann::json comparison_json(const RunComparison &c) {
    nlohmann::json drills = nlohmann::json::array();
    for (const auto &p : c.drills) {
        nlohmann::json numbers = nlohmann::json::array();
        for (const auto &n : p.numbers) {
            auto d = n.difference();
            numbers.push_back({{"name", n.name},
                               {"unit", n.unit},
                               {"a", n.a ? nlohmann::json(*n.a) : nlohmann::json(nullptr)},
                               {"b", n.b ? nlohmann::json(*n.b) : nlohmann::json(nullptr)},
                               {"difference", d ? nlohmann::json(*d) : nlohmann::json(nullptr)}});
        }
        drills.push_back({{"drill", p.id},
                          {"a", p.a ? nlohmann::json(p.a->outcome) : nlohmann::json(nullptr)},
                          {"b", p.b ? nlohmann::json(p.b->outcome) : nlohmann::json(nullptr)},
                          {"verdict_changed", p.verdict_changed()},
                          {"numbers", numbers}});
    }
    // Redacted as every report: the names and the cluster come from the journals.
    return redact_json({{"a", {{"run", c.a->run_id}, {"cluster", c.a->cluster}}},
                        {"b", {{"run", c.b->run_id}, {"cluster", c.b->cluster}}},
                        {"drills", drills}});
}

}  // namespace drillhost::report
