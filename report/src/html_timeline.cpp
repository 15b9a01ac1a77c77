#include "html_timeline.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "html_text.hpp"

namespace drillhost::report {
namespace {

using nlohmann::json;

constexpr double width = 1000, plot_left = 150, plot_right = 985;
// What one timeline draws at most: a hostile journal cannot make a page of gigabytes.
constexpr size_t max_members = 64, max_fault_rows = 8;

struct Axis {
    double end_ms;
    double x(double t_ms) const {
        return plot_left + std::clamp(t_ms, 0.0, end_ms) / end_ms * (plot_right - plot_left);
    }
};

// A lane's role at a sample: what Patroni's /cluster said of the member.
std::string role_class(const json &member) {
    if (!member.is_object()) return "down";  // gone from /cluster: its Patroni no longer holds a key
    std::string role = member.value("role", json()).is_string() ? member["role"].get<std::string>() : "";
    std::string state = member.value("state", json()).is_string() ? member["state"].get<std::string>() : "";
    if (state == "stopped" || state == "crashed" || state == "start failed" || state == "stopping")
        return "down";
    if (role == "leader" || role == "primary" || role == "master" || role == "standby_leader")
        return "leader";
    if (!role.empty()) return "replica";
    return "unknown";
}

double num(const json &v, double fallback = 0) {
    return v.is_number() && std::isfinite(v.get<double>()) ? v.get<double>() : fallback;
}

// Grid lines and labels every `step` seconds, chosen so there are 5 to 12 of them.
void time_axis(std::ostringstream &svg, const Axis &axis, double top, double bottom) {
    // The first round step that gives at most 12 ticks; past the list, whole hours.
    double step = std::ceil(axis.end_ms / 12 / 3600000) * 3600000;
    for (double s : {1000.0, 2000.0, 5000.0, 10000.0, 15000.0, 30000.0, 60000.0, 120000.0, 300000.0, 600000.0,
                     1800000.0})
        if (axis.end_ms / s <= 12) {
            step = s;
            break;
        }
    for (int tick = 0; tick <= 12 && tick * step <= axis.end_ms + 1; ++tick) {
        double t = tick * step;
        double x = axis.x(t);
        svg << "<line class=\"grid\" x1=\"" << svg_number(x) << "\" x2=\"" << svg_number(x) << "\" y1=\""
            << svg_number(top) << "\" y2=\"" << svg_number(bottom) << "\"/>"
            << "<text class=\"tick\" x=\"" << svg_number(x) << "\" y=\"" << svg_number(bottom + 12)
            << "\" text-anchor=\"middle\">" << html_text(human_ms(t)) << "</text>";
    }
}

void lane_label(std::ostringstream &svg, double y, double height, const std::string &text) {
    svg << "<text class=\"lane-label\" x=\"" << svg_number(plot_left - 6) << "\" y=\""
        << svg_number(y + height / 2 + 4) << "\" text-anchor=\"end\">" << html_text(text) << "</text>";
}

// Draws a drill's timeline lane by lane, top to bottom: each lane adds to the SVG body at `y` and
// moves `y` below itself; the fault spans, drawn behind everything, come last once the height is known.
class TimelineBuilder {
  public:
    explicit TimelineBuilder(const DrillJournal &drill)
        : d(drill), axis{std::max(drill.duration_ms, 1000.0)} {}

    Timeline build() {
        faults_lane();
        phases_lane();
        role_lanes();
        writer_lane();
        pgbench_lanes();
        rto_marks();
        return {svg(), key()};
    }

  private:
    void faults_lane() {
        // Faults: a row each where they overlap, and a shaded span over the whole chart (drawn last,
        // behind, once the chart's height is known).
        std::vector<double> row_free;  // per row: when its last span ends
        std::vector<int> fault_row;
        for (const auto &f : d.faults) {
            double end = f.end_ms(d.duration_ms);
            size_t row = 0;
            // The first free row; at most max_fault_rows (then the last row takes the rest, overlapping).
            while (row + 1 < max_fault_rows && row < row_free.size() && row_free[row] > f.injected_ms) ++row;
            if (row == row_free.size()) row_free.push_back(0);
            row_free[row] = std::max(row_free[row], end);
            fault_row.push_back(static_cast<int>(row));
        }
        fault_top = y;
        if (!d.faults.empty()) {
            double height = 16.0 * row_free.size();
            lane_label(body, y, height, "faults");
            for (size_t i = 0; i < d.faults.size(); ++i) {
                const auto &f = d.faults[i];
                double x1 = axis.x(f.injected_ms), x2 = axis.x(f.end_ms(d.duration_ms));
                double ry = y + 16.0 * fault_row[i];
                body << "<g class=\"fault-label\"><rect x=\"" << svg_number(x1) << "\" y=\""
                     << svg_number(ry + 1) << "\" width=\"" << svg_number(std::max(x2 - x1, 2.0))
                     << "\" height=\"14\"/><text x=\"" << svg_number(x1 + 3) << "\" y=\""
                     << svg_number(ry + 12) << "\">F" << i + 1 << " " << html_text(f.label)
                     << (f.reverted_ms < 0 ? " (not reverted)" : "") << "</text></g>";
                legend << "<li>F" << i + 1 << ": " << html_text(f.label) << ", from "
                       << html_text(human_ms(f.injected_ms))
                       << (f.reverted_ms >= 0
                               ? " to " + html_text(human_ms(f.reverted_ms))
                               : std::string(" on: <strong>never reverted in this journal</strong>"))
                       << (f.revert_error.empty() ? "" : " (revert error: " + html_text(f.revert_error) + ")")
                       << "</li>";
            }
            y += height + 6;
        }
    }

    void phases_lane() {
        // Phases: numbered marks.
        if (!d.phases.empty()) {
            lane_label(body, y, 14, "phases");
            for (size_t i = 0; i < d.phases.size(); ++i) {
                double x = axis.x(d.phases[i].t_ms);
                body << "<g class=\"phase-mark\"><line x1=\"" << svg_number(x) << "\" x2=\"" << svg_number(x)
                     << "\" y1=\"" << svg_number(y) << "\" y2=\"" << svg_number(y + 14) << "\"/><text x=\""
                     << svg_number(x + 2) << "\" y=\"" << svg_number(y + 11) << "\">" << i + 1
                     << "</text><title>" << html_text(d.phases[i].text) << "</title></g>";
            }
            y += 20;
        }
    }

    void role_lanes() {
        // Roles: a lane per member, from each change to the next.
        std::vector<std::pair<double, json>> roles;
        std::set<std::string> member_set;
        for (const auto &s : d.samples)
            if (s.name == "roles" && s.details.is_object() &&
                s.details.value("members", json()).is_object()) {
                roles.push_back({s.t_ms, s.details["members"]});
                for (const auto &[name, _] : s.details["members"].items()) member_set.insert(name);
            }
        members.assign(member_set.begin(), member_set.end());
        std::sort(members.begin(), members.end());
        if (members.size() > max_members) {
            notes << "<li>" << members.size() - max_members << " more members than the " << max_members
                  << " drawn</li>";
            members.resize(max_members);
        }
        for (const auto &member : members) {
            lane_label(body, y, 16, member);
            body << "<rect class=\"role unknown\" x=\"" << svg_number(plot_left) << "\" y=\"" << svg_number(y)
                 << "\" width=\"" << svg_number(plot_right - plot_left) << "\" height=\"16\"><title>"
                 << html_text(member) << ": unknown (not sampled)</title></rect>";
            for (size_t i = 0; i < roles.size(); ++i) {
                std::string role =
                    role_class(roles[i].second.contains(member) ? roles[i].second[member] : json());
                size_t next = i + 1;  // a span lasts until the member's role changes
                while (next < roles.size() &&
                       role_class(roles[next].second.contains(member) ? roles[next].second[member]
                                                                      : json()) == role)
                    ++next;
                double x1 = axis.x(roles[i].first),
                       x2 = axis.x(next < roles.size() ? roles[next].first : d.duration_ms);
                i = next - 1;
                body << "<g class=\"role-span\"><rect class=\"role " << role << "\" x=\"" << svg_number(x1)
                     << "\" y=\"" << svg_number(y) << "\" width=\"" << svg_number(std::max(x2 - x1, 0.5))
                     << "\" height=\"16\"/><title>" << html_text(member) << ": " << role << " from "
                     << html_text(human_ms(roles[i].first)) << "</title>";
                if (x2 - x1 > 46)
                    body << "<text class=\"role-text " << role << "\" x=\"" << svg_number(x1 + 3) << "\" y=\""
                         << svg_number(y + 12) << "\">" << role << "</text>";
                body << "</g>";
            }
            y += 19;
        }
    }

    void writer_lane() {
        // The writer: acknowledged writes per 100 ms as bars, failed commits below them, gaps marked.
        for (const auto &s : d.samples) {
            if (s.name != "writer.series" || !s.details.is_object()) continue;
            const json buckets = s.details.value("buckets", json::array());
            if (!buckets.is_array() || buckets.empty()) continue;
            double max_ack = 1, max_failed = 1;
            for (const auto &b : buckets)
                if (b.is_array() && b.size() >= 3)
                    max_ack = std::max(max_ack, num(b[1])), max_failed = std::max(max_failed, num(b[2]));
            double height = 60, base = y + height;
            lane_label(body, y, height - 14, "writes / 100 ms");
            lane_label(body, y + 14, height, "max " + std::to_string(static_cast<long>(max_ack)));
            double bucket_ms = num(s.details.value("bucket_ms", json(100.0)), 100);
            double gap_start = -1;
            auto close_gap = [&](double until) {
                if (gap_start < 0) return;
                double x1 = axis.x(gap_start), x2 = axis.x(until);
                gaps << "<li>" << html_text(human_ms(gap_start)) << " to " << html_text(human_ms(until))
                     << ": " << html_text(human_ms(until - gap_start)) << "</li>";
                body << "<g class=\"write-gap\"><rect x=\"" << svg_number(x1) << "\" y=\"" << svg_number(y)
                     << "\" width=\"" << svg_number(std::max(x2 - x1, 1.0)) << "\" height=\""
                     << svg_number(height) << "\"/><title>no write acknowledged for "
                     << html_text(human_ms(until - gap_start)) << "</title>";
                if (x2 - x1 > 60)
                    body << "<text x=\"" << svg_number((x1 + x2) / 2) << "\" y=\""
                         << svg_number(y + height / 2) << "\" text-anchor=\"middle\">no commit "
                         << html_text(human_ms(until - gap_start)) << "</text>";
                body << "</g>";
                gap_start = -1;
            };
            for (const auto &b : buckets) {
                if (!b.is_array() || b.size() < 3) continue;
                double t = d.on_drill_clock(num(b[0])), ack = num(b[1]), failed = num(b[2]);
                double x = axis.x(t), w = std::max(axis.x(t + bucket_ms) - x - 0.3, 0.4);
                if (ack > 0) {
                    close_gap(t);
                    double h = ack / max_ack * (height - 4);
                    body << "<rect class=\"ack\" x=\"" << svg_number(x) << "\" y=\"" << svg_number(base - h)
                         << "\" width=\"" << svg_number(w) << "\" height=\"" << svg_number(h) << "\"/>";
                } else if (gap_start < 0) {
                    gap_start = t;
                }
                if (failed > 0) {
                    double h = 4 + failed / max_failed * 10;
                    body << "<rect class=\"failed-commit\" x=\"" << svg_number(x) << "\" y=\""
                         << svg_number(base + 1) << "\" width=\"" << svg_number(w) << "\" height=\""
                         << svg_number(h) << "\"><title>" << static_cast<long>(failed)
                         << " failed commits</title></rect>";
                }
            }
            const json end = s.details.value("end_ms", json());
            close_gap(end.is_number() ? d.on_drill_clock(num(end)) : d.duration_ms);
            y += height + 18;
        }
    }

    void pgbench_lanes() {
        // pgbench: TPS and latency per interval, a lane each.
        for (const auto &s : d.samples) {
            if (s.name.rfind("pgbench.", 0) != 0 || !s.details.is_object()) continue;
            const json series = s.details.value("series", json::array());
            if (!series.is_array() || series.empty()) continue;
            std::string load = s.name.substr(8);
            for (const char *key : {"tps", "latency_ms"}) {
                double max = 1;
                for (const auto &p : series)
                    if (p.is_object()) max = std::max(max, num(p.value(key, json())));
                double height = 40;
                std::string points;
                for (const auto &p : series) {
                    if (!p.is_object()) continue;
                    double t = d.on_drill_clock(num(p.value("t_ms", json())));
                    points += svg_number(axis.x(t)) + "," +
                              svg_number(y + height - num(p.value(key, json())) / max * (height - 2)) + " ";
                }
                lane_label(body, y, height, "pgbench " + load + (std::string(key) == "tps" ? " TPS" : " ms"));
                body << "<polyline class=\"pgbench " << key << "\" points=\"" << points
                     << "\"><title>pgbench " << html_text(load) << " " << key << ", max " << svg_number(max)
                     << "</title></polyline>"
                     << "<text class=\"tick\" x=\"" << svg_number(plot_right) << "\" y=\""
                     << svg_number(y + 9) << "\" text-anchor=\"end\">max " << svg_number(max) << "</text>";
                y += height + 6;
            }
        }
    }

    // The RTO phases, from the first fault (the drills measure them from it).
    void rto_marks() {
        double chart_bottom = y;
        if (!d.faults.empty()) {
            double fault = d.faults.front().injected_ms;
            int n = 0;
            for (auto [name, label] :
                 {std::pair{"leader_key_lost", "key lost"}, std::pair{"new_leader_elected", "elected"},
                  std::pair{"promoted", "promoted"}, std::pair{"rto", "first write"},
                  std::pair{"service_rto", "first write via service"}}) {
                const Measurement *m = d.measurement(name);
                if (!m || m->unit != "ms") continue;
                double x = axis.x(fault + m->value);
                body << "<g class=\"rto-mark\"><line x1=\"" << svg_number(x) << "\" x2=\"" << svg_number(x)
                     << "\" y1=\"" << svg_number(fault_top) << "\" y2=\""
                     << svg_number(chart_bottom + 4 + 12 * n) << "\"/><text x=\"" << svg_number(x + 2)
                     << "\" y=\"" << svg_number(chart_bottom + 14 + 12 * n) << "\">" << label << " "
                     << html_text(human_ms(m->value)) << "</text></g>";
                ++n;
            }
            if (n) y = chart_bottom + 8 + 12 * n;
        }
    }

    std::string svg() const {
        std::ostringstream svg;
        double total = y + 22;
        svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 "
            << svg_number(width) << " " << svg_number(total) << "\" role=\"img\" aria-label=\"timeline of "
            << html_text(d.short_name()) << "\">"
            << "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
               "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/><line x1=\"0\" "
               "y1=\"0\" "
               "x2=\"0\" y2=\"6\" stroke=\"#444\" stroke-width=\"2\"/></pattern>"
               "<pattern id=\"dots\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\"><rect "
               "width=\"5\" "
               "height=\"5\" fill=\"#cfe3f7\"/><circle cx=\"2.5\" cy=\"2.5\" r=\"1\" "
               "fill=\"#4a6f93\"/></pattern></defs>"
            << "<style>"
               ".grid{stroke:#e3e3e3;stroke-width:1}.tick,.lane-label{font:11px 'DejaVu "
               "Sans',sans-serif;fill:#444}"
               ".fault-span{fill:#f4b400;fill-opacity:.09;stroke:#c58f00;stroke-dasharray:4 3}"
               ".fault-label rect{fill:#fde7a6;stroke:#c58f00}.fault-label text,.phase-mark text,.rto-mark "
               "text,"
               ".write-gap text,.role-text{font:10px 'DejaVu Sans',sans-serif;fill:#222}"
               ".phase-mark line{stroke:#555;stroke-width:1.5}"
               ".role{stroke:#888;stroke-width:.5}.role.leader{fill:#1f4e79}.role.replica{fill:url(#dots)}"
               ".role.down{fill:url(#hatch)}.role.unknown{fill:#fff;stroke-dasharray:3 2}"
               ".role-text.leader{fill:#fff;font-weight:700}.role-text.down{fill:#000;font-weight:700}"
               ".ack{fill:#2e7d32}.failed-commit{fill:#b3261e}.write-gap rect{fill:#b3261e;fill-opacity:.08}"
               ".pgbench{fill:none;stroke-width:1.5}.pgbench.tps{stroke:#1565c0}.pgbench.latency_ms{stroke:#"
               "6a1b9a}"
               ".rto-mark line{stroke:#b3261e;stroke-width:1.2;stroke-dasharray:2 2}"
               "</style>";
        time_axis(svg, axis, 14, total - 18);
        for (size_t i = 0; i < d.faults.size(); ++i) {
            const auto &f = d.faults[i];
            double x1 = axis.x(f.injected_ms), x2 = axis.x(f.end_ms(d.duration_ms));
            svg << "<rect class=\"fault-span\" data-fault=\"" << f.id << "\" x=\"" << svg_number(x1)
                << "\" y=\"14\" width=\"" << svg_number(std::max(x2 - x1, 2.0)) << "\" height=\""
                << svg_number(total - 32) << "\"><title>F" << i + 1 << " " << html_text(f.label)
                << "</title></rect>";
        }
        svg << body.str() << "</svg>";

        return svg.str();
    }

    std::string key() const {
        std::ostringstream key;
        if (!d.phases.empty()) {
            key << "<strong>Phases</strong><ol>";
            for (const auto &p : d.phases)
                key << "<li>" << html_text(human_ms(p.t_ms)) << ": " << html_text(p.text) << "</li>";
            key << "</ol>";
        }
        if (!d.faults.empty() || !legend.str().empty())
            key << "<strong>Faults</strong> (shaded)<ul>" << legend.str() << "</ul>";
        if (!gaps.str().empty()) key << "<strong>No write acknowledged</strong><ul>" << gaps.str() << "</ul>";
        if (!notes.str().empty()) key << "<ul>" << notes.str() << "</ul>";
        if (!members.empty())
            key << "Roles: <em>leader</em> solid, <em>replica</em> dotted, <em>down</em> hatched, "
                   "<em>unknown</em> "
                   "blank; each span is named where it fits and on hover. ";
        if (d.samples.empty() && d.faults.empty() && d.phases.empty())
            key << "This drill journalled nothing to draw over time.";
        return key.str();
    }

    const DrillJournal &d;
    Axis axis;
    std::ostringstream body, legend, gaps, notes;
    std::vector<std::string> members;
    double y = 18;  // below the top tick labels
    double fault_top = 18;
};

}  // namespace

Timeline render_timeline(const DrillJournal &d) {
    return TimelineBuilder(d).build();
}

}  // namespace drillhost::report
