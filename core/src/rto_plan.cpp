#include <drillhost/core/errors.hpp>
#include <drillhost/core/rto_plan.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace drillhost {

namespace {

using json = nlohmann::json;

// The order of Pigsty's pg_rto_plan lists.
constexpr std::array<const char *, 10> plan_keys = {
    "ttl",       "loop_wait", "retry_timeout", "primary_start_timeout", "safety_margin", "inter", "fastinter",
    "downinter", "rise",      "fall"};

// HAProxy's time format as Pigsty writes it ("1s", "0.5s", "1500ms", "2m"), or a number of seconds.
double seconds_of(const json &value, const std::string &where) {
    if (value.is_number() && std::isfinite(value.get<double>()) && value.get<double>() >= 0)
        return value.get<double>();
    if (!value.is_string()) throw UsageError(where + ": " + value.dump() + " is not a duration");
    const std::string text = value.get<std::string>();
    double number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    std::string unit(end, text.data() + text.size());
    double scale = unit == "ms"                  ? 0.001
                   : unit == "s" || unit.empty() ? 1
                   : unit == "m"                 ? 60
                   : unit == "h"                 ? 3600
                                                 : -1;
    if (error != std::errc() || end == text.data() || scale < 0 || !std::isfinite(number) || number < 0)
        throw UsageError(where + ": \"" + text + "\" is not a duration (write it as 1s, 0.5s or 500ms)");
    return number * scale;
}

int count_of(const json &value, const std::string &where) {
    if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 1000)
        throw UsageError(where + ": " + value.dump() + " is not a count from 1 to 1000");
    return value.get<int>();
}

RtoPlan plan_from_values(const std::array<json, 10> &v, const std::string &where) {
    auto at = [&](size_t i) { return where + "." + plan_keys[i]; };
    RtoPlan p;
    p.name = "custom";
    p.ttl = seconds_of(v[0], at(0));
    p.loop_wait = seconds_of(v[1], at(1));
    p.retry_timeout = seconds_of(v[2], at(2));
    p.primary_start_timeout = seconds_of(v[3], at(3));
    p.safety_margin = seconds_of(v[4], at(4));
    p.inter = seconds_of(v[5], at(5));
    p.fastinter = seconds_of(v[6], at(6));
    p.downinter = seconds_of(v[7], at(7));
    p.rise = count_of(v[8], at(8));
    p.fall = count_of(v[9], at(9));
    if (p.ttl <= 0 || p.loop_wait <= 0) throw UsageError(where + ": ttl and loop_wait must be more than 0");
    return p;
}

RtoPlan plan(const char *name, const std::array<json, 10> &values) {
    RtoPlan p = plan_from_values(values, name);
    p.name = name;
    return p;
}

std::string seconds_text(double s) {
    std::string text = std::to_string(std::round(s * 10) / 10);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
    return text;
}

}  // namespace

json RtoPlan::to_json() const {
    return {{"name", name},
            {"ttl", ttl},
            {"loop_wait", loop_wait},
            {"retry_timeout", retry_timeout},
            {"primary_start_timeout", primary_start_timeout},
            {"safety_margin", safety_margin},
            {"inter", inter},
            {"fastinter", fastinter},
            {"downinter", downinter},
            {"rise", rise},
            {"fall", fall},
            {"check_timeout", check_timeout}};
}

std::optional<RtoPlan> named_rto_plan(std::string_view name) {
    // Pigsty's pg_rto_plan defaults (roles/pgsql/defaults, 4.x).
    if (name == "fast") return plan("fast", {20, 5, 5, 15, 5, "1s", "0.5s", "1s", 3, 3});
    if (name == "norm") return plan("norm", {30, 5, 10, 25, 5, "2s", "1s", "2s", 3, 3});
    if (name == "safe") return plan("safe", {60, 10, 20, 45, 10, "3s", "1.5s", "3s", 3, 3});
    if (name == "wide") return plan("wide", {120, 20, 30, 95, 15, "4s", "2s", "4s", 3, 3});
    return std::nullopt;
}

RtoPlan parse_rto_plan(const json &value, const std::string &where) {
    if (value.is_string()) {
        if (auto named = named_rto_plan(value.get<std::string>())) return *named;
        throw UsageError(where + ": \"" + value.get<std::string>() +
                         "\" is not a plan (fast, norm, safe, wide, or the ten values)");
    }
    std::array<json, 10> values;
    if (value.is_array()) {
        if (value.size() != plan_keys.size())
            throw UsageError(where +
                             ": a plan has 10 values (ttl, loop_wait, retry_timeout, "
                             "primary_start_timeout, safety_margin, inter, fastinter, downinter, "
                             "rise, fall), not " +
                             std::to_string(value.size()));
        for (size_t i = 0; i < values.size(); ++i) values[i] = value[i];
    } else if (value.is_object()) {
        for (const auto &[key, _] : value.items())
            if (key != "name" && key != "check_timeout" &&
                std::find(plan_keys.begin(), plan_keys.end(), key) == plan_keys.end())
                throw UsageError(where + ": unknown key \"" + key + "\"");
        for (size_t i = 0; i < values.size(); ++i) {
            if (!value.contains(plan_keys[i]))
                throw UsageError(where + ": \"" + plan_keys[i] + "\" is missing");
            values[i] = value[plan_keys[i]];
        }
    } else {
        throw UsageError(where + ": " + value.dump() + " is not a plan (a name, a list or an object)");
    }
    RtoPlan p = plan_from_values(values, where);
    if (value.is_object() && value.contains("name")) {
        if (!value["name"].is_string() || value["name"].get<std::string>().size() > 64)
            throw UsageError(where + ".name: " + value["name"].dump().substr(0, 80) +
                             " is not a plan's name");
        p.name = value["name"];
    }
    if (value.is_object() && value.contains("check_timeout"))
        p.check_timeout = seconds_of(value["check_timeout"], where + ".check_timeout");
    return p;
}

ExpectedRto expected_rto(const RtoPlan &p, FailurePath path) {
    double hc = p.health_check_s();
    if (path == FailurePath::manual_failover)
        return {hc, 3 + hc + p.inter,
                "HC .. 3 + HC + inter (HC = (rise - 1) x fastinter = " + seconds_text(hc) + " s)"};
    return {p.ttl - p.loop_wait + hc, p.ttl + p.loop_wait + 2 + p.inter + hc,
            "ttl - loop_wait + HC .. ttl + loop_wait + 2 + inter + HC (HC = (rise - 1) x fastinter = " +
                seconds_text(hc) + " s)"};
}

std::optional<FailurePath> failure_path_of(std::string_view drill_id) {
    constexpr std::string_view prefix = "org.drillhost.drill.";
    if (drill_id.substr(0, prefix.size()) != prefix) return std::nullopt;
    std::string_view name = drill_id.substr(prefix.size());
    if (name == "switchover" || name == "failover-manual") return FailurePath::manual_failover;
    if (name == "primary-down-node-lost" || name == "network-partition" || name == "frozen-leader" ||
        name == "fencing-watchdog" || name == "failover-with-load" || name == "dcs-down-primary-client")
        return FailurePath::leader_lost;
    return std::nullopt;
}

json expected_rto_json(const RtoPlan &plan, std::string_view drill_id, const json &timing_used) {
    auto path = failure_path_of(drill_id);
    if (!path) return nullptr;
    RtoPlan with_cluster = plan;
    auto used = [&](const char *key, double &field) {
        if (timing_used.is_object() && timing_used.contains(key) && timing_used[key].is_number() &&
            timing_used[key].get<double>() > 0)
            field = timing_used[key].get<double>();
    };
    used("ttl", with_cluster.ttl);
    used("loop_wait", with_cluster.loop_wait);
    ExpectedRto e = expected_rto(with_cluster, *path);
    return {{"plan", plan.name},
            {"path", *path == FailurePath::manual_failover ? "manual failover" : "leader lost"},
            {"min_ms", std::round(e.min_s * 1000)},
            {"max_ms", std::round(e.max_s * 1000)},
            {"formula", e.formula},
            {"ttl", with_cluster.ttl},
            {"loop_wait", with_cluster.loop_wait}};
}

}  // namespace drillhost
