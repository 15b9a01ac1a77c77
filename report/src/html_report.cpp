#include <drillhost/core/version.hpp>
#include <drillhost/report/html_report.hpp>
#include <drillhost/report/key_numbers.hpp>

#include <algorithm>
#include <sstream>

#include "html_text.hpp"
#include "html_timeline.hpp"
#include "templates.hpp"

namespace drillhost::report {
namespace {

// A class from a fixed set, whatever the journal says: journal text never becomes a style (a
// verdict "x check-fail" must not look failed without being counted so).
std::string css_class(const std::string &outcome) {
    for (const char *known : {"passed", "failed", "skipped", "error", "crashed", "cancelled", "unfinished",
                              "pass", "fail", "skip"})
        if (outcome == known) return known;
    if (outcome == "timed out") return "timed-out";
    return "other";
}

std::string badge(const std::string &outcome) {
    return "<span class=\"badge " + css_class(outcome) + "\">" + html_text(outcome) + "</span>";
}

std::string run_facts(const RunJournal &run) {
    std::ostringstream dl;
    dl << "<dl class=\"facts\">";
    auto fact = [&](const std::string &name, const std::string &html) {
        dl << "<dt>" << name << "</dt><dd>" << html << "</dd>";
    };
    std::string cluster = describe_cluster(run);
    fact("Target", cluster.empty() ? "not journalled" : html_text(cluster));
    fact("drillhost", html_text(run.drillhost_version.empty() ? "not journalled" : run.drillhost_version));
    fact("Run", html_text(run.run_id));
    fact("Started", html_text(run.started_wall));
    fact("Duration", html_text(human_ms(run.duration_ms)) +
                         (run.finished ? "" : " <strong>(the journal ends before the run did)</strong>"));
    fact("Verdicts", html_text(describe_outcomes(run)));
    if (run.faults_open > 0)
        fact("Faults open", "<strong class=\"failed\">" + std::to_string(run.faults_open) +
                                " left open: run <code>drillhost recover</code></strong>");
    for (const auto &note : run.notes) fact("Note", html_text(note));
    dl << "</dl>";
    return dl.str();
}

std::string anchor(size_t index, const DrillJournal &d) {
    std::string a = "drill-" + std::to_string(index + 1) + "-";
    for (char c : d.short_name()) a += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
    return a;
}

std::string numbers_text(const DrillJournal &d, size_t limit) {
    std::string text;
    for (const auto *m : key_numbers(d, limit))
        text += (text.empty() ? "" : ", ") + m->name + " " + format_value(m->value, m->unit);
    return text;
}

std::string drill_table(const RunJournal &run) {
    std::ostringstream t;
    t << "<table "
         "class=\"drills\"><thead><tr><th>drill</th><th>verdict</th><th>time</th><th>checks</th><th>key "
         "numbers</th></tr></thead><tbody>";
    for (size_t i = 0; i < run.drills.size(); ++i) {
        const auto &d = run.drills[i];
        size_t failed = d.failed_checks();
        t << "<tr><td><a href=\"#" << anchor(i, d) << "\">" << html_text(d.short_name()) << "</a></td><td>"
          << badge(d.outcome) << "</td><td class=\"num\">" << html_text(human_ms(d.duration_ms))
          << "</td><td>" << d.checks.size() - failed << " pass"
          << (failed ? ", <strong class=\"failed\">" + std::to_string(failed) + " fail</strong>" : "")
          << "</td><td>" << html_text(numbers_text(d, 5)) << "</td></tr>";
    }
    t << "</tbody></table>";
    return t.str();
}

std::string checks_table(const DrillJournal &d) {
    if (d.checks.empty()) return "<p class=\"notes\">No check was made.</p>";
    std::vector<const Check *> ordered;
    for (const auto &c : d.checks) ordered.push_back(&c);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const Check *a, const Check *b) { return a->failed() && !b->failed(); });
    std::ostringstream t;
    t << "<table "
         "class=\"checks\"><thead><tr><th>check</th><th>verdict</th><th>observed</th><th>bound</th><th>at</"
         "th>"
         "</tr></thead><tbody>";
    for (const auto *c : ordered)
        t << "<tr class=\"check-" << css_class(c->verdict) << "\"><td>" << html_text(c->name) << "</td><td>"
          << badge(c->verdict) << "</td><td>" << html_text(c->observed) << "</td><td>" << html_text(c->bound)
          << "</td><td class=\"num\">" << html_text(human_ms(c->t_ms)) << "</td></tr>";
    t << "</tbody></table>";
    return t.str();
}

std::string measurements_table(const DrillJournal &d) {
    if (d.measurements.empty()) return "<p class=\"notes\">No measurement.</p>";
    std::ostringstream t;
    t << "<table "
         "class=\"measurements\"><thead><tr><th>measurement</th><th>value</th><th>raw</th></tr></"
         "thead><tbody>";
    for (const auto &m : d.measurements) {
        std::ostringstream raw;
        raw << m.value << " " << m.unit;
        t << "<tr><td>" << html_text(m.name) << "</td><td class=\"num\">"
          << html_text(format_value(m.value, m.unit)) << "</td><td class=\"num\">" << html_text(raw.str())
          << "</td></tr>";
    }
    t << "</tbody></table>";
    return t.str();
}

std::string failed_box(const DrillJournal &d) {
    if (d.failed_checks() == 0 && d.faults_left_open == 0) return "";
    std::ostringstream box;
    box << "<div class=\"failed-checks\"><strong>Failed:</strong><ul>";
    for (const auto &c : d.checks)
        if (c.failed())
            box << "<li><strong>" << html_text(c.name) << "</strong>: observed " << html_text(c.observed)
                << "; bound " << html_text(c.bound) << "</li>";
    if (d.faults_left_open > 0)
        box << "<li><strong>" << d.faults_left_open
            << " fault(s) left open</strong>: run <code>drillhost "
               "recover</code></li>";
    box << "</ul></div>";
    return box.str();
}

}  // namespace

std::string html_report(const RunJournal &run) {
    std::string sections;
    for (size_t i = 0; i < run.drills.size(); ++i) {
        const auto &d = run.drills[i];
        Timeline timeline = render_timeline(d);
        std::string message;
        if (!d.message.empty() || !d.warnings.empty()) {
            message = "<div class=\"message\">" + html_text(d.message);
            for (const auto &w : d.warnings) message += "<br>" + html_text(w);
            message += "</div>";
        }
        sections += templates::fill(templates::drill, {{"anchor", anchor(i, d)},
                                                       {"outcome_class", css_class(d.outcome)},
                                                       {"outcome", html_text(d.outcome)},
                                                       {"name", html_text(d.short_name())},
                                                       {"id", html_text(d.id)},
                                                       {"duration", html_text(human_ms(d.duration_ms))},
                                                       {"started", html_text(d.started_wall)},
                                                       {"message", message},
                                                       {"failed_checks", failed_box(d)},
                                                       {"timeline", timeline.svg},
                                                       {"legend", timeline.legend},
                                                       {"checks", checks_table(d)},
                                                       {"measurements", measurements_table(d)}});
    }
    return templates::fill(templates::page, {{"title", html_text("drillhost run " + run.run_id)},
                                             {"run_facts", run_facts(run)},
                                             {"drill_table", drill_table(run)},
                                             {"drill_sections", sections},
                                             {"renderer_version", html_text(version())}});
}

}  // namespace drillhost::report
