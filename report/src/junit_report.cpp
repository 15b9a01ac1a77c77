#include <drillhost/report/junit_report.hpp>
#include <drillhost/report/key_numbers.hpp>

#include <pugixml.hpp>

#include "plain_text.hpp"

#include <sstream>

namespace drillhost::report {
namespace {

// Seconds as JUnit writes them.
std::string seconds(double ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", ms / 1000);
    return text;
}

// Text as XML 1.0 can carry it (plain_text: XML has no escape for the control characters and
// U+FFFE/U+FFFF it drops; a reader would reject the file). pugixml escapes the markup.
std::string xml_text(const std::string &text) {
    return plain_text(text);
}

void property(pugi::xml_node properties, const std::string &name, const std::string &value) {
    auto p = properties.append_child("property");
    p.append_attribute("name") = xml_text(name).c_str();
    p.append_attribute("value") = xml_text(value).c_str();
}

// Where the outcome goes in JUnit: a failure (a check failed), skipped, or an error (the drill
// could not say: an error, a crash, a timeout, a cancellation, or no end in the journal).
enum class Kind { passed, failure, skipped, error };

Kind kind_of(const DrillJournal &d) {
    if (d.outcome == "passed") return Kind::passed;
    if (d.outcome == "failed") return Kind::failure;
    if (d.outcome == "skipped") return Kind::skipped;
    return Kind::error;
}

}  // namespace

std::string junit_xml(const RunJournal &run) {
    pugi::xml_document doc;
    auto declaration = doc.append_child(pugi::node_declaration);
    declaration.append_attribute("version") = "1.0";
    declaration.append_attribute("encoding") = "UTF-8";
    int failures = 0, errors = 0, skipped = 0;
    for (const auto &d : run.drills) {
        Kind k = kind_of(d);
        failures += k == Kind::failure, errors += k == Kind::error, skipped += k == Kind::skipped;
    }
    auto suites = doc.append_child("testsuites");
    suites.append_attribute("name") = "drillhost";
    suites.append_attribute("tests") = static_cast<int>(run.drills.size());
    suites.append_attribute("failures") = failures;
    suites.append_attribute("errors") = errors;
    suites.append_attribute("skipped") = skipped;
    suites.append_attribute("time") = seconds(run.duration_ms).c_str();
    auto suite = suites.append_child("testsuite");
    suite.append_attribute("name") = xml_text("drillhost run " + run.run_id).c_str();
    suite.append_attribute("tests") = static_cast<int>(run.drills.size());
    suite.append_attribute("failures") = failures;
    suite.append_attribute("errors") = errors;
    suite.append_attribute("skipped") = skipped;
    suite.append_attribute("time") = seconds(run.duration_ms).c_str();
    if (!run.started_wall.empty())  // JUnit's timestamp has no zone designator
        suite.append_attribute("timestamp") = xml_text(run.started_wall.substr(0, 19)).c_str();
    auto properties = suite.append_child("properties");
    property(properties, "run_id", run.run_id);
    if (!run.drillhost_version.empty()) property(properties, "drillhost_version", run.drillhost_version);
    if (auto cluster = describe_cluster(run); !cluster.empty()) property(properties, "cluster", cluster);
    if (run.faults_open > 0) property(properties, "faults_open", std::to_string(run.faults_open));

    for (const auto &d : run.drills) {
        auto testcase = suite.append_child("testcase");
        testcase.append_attribute("classname") = xml_text(d.family()).c_str();
        testcase.append_attribute("name") = xml_text(d.short_name()).c_str();
        testcase.append_attribute("time") = seconds(d.duration_ms).c_str();
        if (!d.measurements.empty()) {
            auto numbers = testcase.append_child("properties");
            for (const auto *m : key_numbers(d, d.measurements.size()))
                property(numbers, m->name, format_value(m->value, m->unit));
        }
        std::ostringstream checks;
        for (const auto &c : d.checks)
            if (c.failed()) checks << c.name << ": observed " << c.observed << "; bound " << c.bound << "\n";
        switch (kind_of(d)) {
            case Kind::passed:
                break;
            case Kind::failure: {
                auto failure = testcase.append_child("failure");
                size_t n = d.failed_checks();
                std::string message =
                    n ? std::to_string(n) + " check(s) failed" : (d.message.empty() ? "failed" : d.message);
                failure.append_attribute("message") = xml_text(message).c_str();
                failure.append_attribute("type") = "failed";
                failure.text().set(xml_text(checks.str() + d.message).c_str());
                break;
            }
            case Kind::skipped:
                testcase.append_child("skipped").append_attribute("message") =
                    xml_text(d.message.empty() ? "skipped" : d.message).c_str();
                break;
            case Kind::error: {
                auto error = testcase.append_child("error");
                error.append_attribute("message") =
                    xml_text(d.outcome + (d.message.empty() ? "" : ": " + d.message)).c_str();
                error.append_attribute("type") = xml_text(d.outcome).c_str();
                error.text().set(xml_text(checks.str() + d.message).c_str());
                break;
            }
        }
        if (d.faults_left_open > 0 || !d.warnings.empty()) {
            std::string err;
            if (d.faults_left_open > 0)
                err += std::to_string(d.faults_left_open) + " fault(s) left open: run `drillhost recover`\n";
            for (const auto &w : d.warnings) err += w + "\n";
            testcase.append_child("system-err").text().set(xml_text(err).c_str());
        }
    }
    std::ostringstream out;
    doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
    return out.str();
}

}  // namespace drillhost::report
