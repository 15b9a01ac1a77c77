// Pigsty's pg_rto plans and the RTO ranges it publishes per failure path (core/rto_plan.hpp).
#include <doctest/doctest.h>

#include <drillhost/core/errors.hpp>
#include <drillhost/core/rto_plan.hpp>

using drillhost::expected_rto;
using drillhost::FailurePath;
using drillhost::parse_rto_plan;
using json = nlohmann::json;

TEST_CASE("the four shipped plans and the ranges Pigsty publishes for them, worked by hand") {
    auto norm = parse_rto_plan("norm", "pg_rto");
    CHECK(norm.ttl == 30);
    CHECK(norm.fastinter == 1);
    CHECK(norm.health_check_s() == 2);  // (3 - 1) x 1 s
    auto lost = expected_rto(norm, FailurePath::leader_lost);
    CHECK(lost.min_s == 27);  // 30 - 5 + 2
    CHECK(lost.max_s == 41);  // 30 + 5 + 2 + 2 + 2
    auto manual = expected_rto(norm, FailurePath::manual_failover);
    CHECK(manual.min_s == 2);
    CHECK(manual.max_s == 7);  // 3 + 2 + 2
    CHECK(manual.formula == "HC .. 3 + HC + inter (HC = (rise - 1) x fastinter = 2 s)");

    auto fast = expected_rto(parse_rto_plan("fast", "pg_rto"), FailurePath::leader_lost);
    CHECK(fast.min_s == 16);  // 20 - 5 + (3 - 1) x 0.5
    CHECK(fast.max_s == 29);  // 20 + 5 + 2 + 1 + 1
    auto safe = expected_rto(parse_rto_plan("safe", "pg_rto"), FailurePath::leader_lost);
    CHECK(safe.min_s == 53);
    CHECK(safe.max_s == 78);
    auto wide = expected_rto(parse_rto_plan("wide", "pg_rto"), FailurePath::leader_lost);
    CHECK(wide.min_s == 104);
    CHECK(wide.max_s == 150);
}

TEST_CASE("a plan written as Pigsty's list or as an object, durations in HAProxy's format") {
    auto listed = parse_rto_plan(json::parse(R"([20, 5, 5, 15, 5, "1500ms", "0.25s", 1, 4, 2])"), "plan");
    CHECK(listed.name == "custom");
    CHECK(listed.inter == 1.5);
    CHECK(listed.fastinter == 0.25);
    CHECK(listed.downinter == 1);
    CHECK(listed.health_check_s() == 0.75);
    auto object = parse_rto_plan(json::parse(R"({"name": "lab", "ttl": 20, "loop_wait": 5, "retry_timeout": 5,
        "primary_start_timeout": 15, "safety_margin": 5, "inter": "1s", "fastinter": "0.5s", "downinter": "1s",
        "rise": 3, "fall": 3})"),
                                 "plan");
    CHECK(object.name == "lab");
    CHECK(expected_rto(object, FailurePath::leader_lost).max_s == 29);
}

TEST_CASE("a plan that is wrong names the value at fault") {
    auto message = [](const char *text) {
        try {
            parse_rto_plan(json::parse(text), "targets/pg-test.yml: pg_rto");
        } catch (const drillhost::UsageError &e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(message(R"("quick")") ==
          "targets/pg-test.yml: pg_rto: \"quick\" is not a plan (fast, norm, safe, wide, or the ten values)");
    CHECK(message("[20, 5, 5]").find("a plan has 10 values") != std::string::npos);
    CHECK(message(R"([20, 5, 5, 15, 5, "1 s", "0.5s", "1s", 3, 3])") ==
          "targets/pg-test.yml: pg_rto.inter: \"1 s\" is not a duration (write it as 1s, 0.5s or 500ms)");
    CHECK(message(R"([20, 5, 5, 15, 5, "1s", "-0.5s", "1s", 3, 3])").find("pg_rto.fastinter") !=
          std::string::npos);
    CHECK(message(R"([20, 5, 5, 15, 5, "1s", "0.5s", "1s", 0, 3])") ==
          "targets/pg-test.yml: pg_rto.rise: 0 is not a count from 1 to 1000");
    CHECK(message(R"([0, 5, 5, 15, 5, "1s", "0.5s", "1s", 3, 3])").find("more than 0") != std::string::npos);
    CHECK(message(R"({"ttl": 20})").find("\"loop_wait\" is missing") != std::string::npos);
    CHECK(message(R"({"ttl": 20, "tll": 5})") == "targets/pg-test.yml: pg_rto: unknown key \"tll\"");
    CHECK(message("7").find("is not a plan") != std::string::npos);
}

TEST_CASE("the failure path of each shipped drill that Pigsty's table covers") {
    using drillhost::failure_path_of;
    CHECK(failure_path_of("org.drillhost.drill.switchover") == FailurePath::manual_failover);
    CHECK(failure_path_of("org.drillhost.drill.primary-down-node-lost") == FailurePath::leader_lost);
    CHECK(failure_path_of("org.drillhost.drill.network-partition") == FailurePath::leader_lost);
    CHECK_FALSE(failure_path_of("org.drillhost.drill.primary-down-fast-restart").has_value());
    CHECK_FALSE(failure_path_of("com.example.drill.switchover").has_value());
}

TEST_CASE("a plan's check timeout: Pigsty's 3 s unless the object states another, and it round-trips") {
    auto fast = *drillhost::named_rto_plan("fast");
    CHECK(fast.check_timeout == 3);
    auto stated =
        parse_rto_plan(json::parse(R"({"name": "edge", "ttl": 20, "loop_wait": 5, "retry_timeout": 5,
        "primary_start_timeout": 15, "safety_margin": 5, "inter": "1s", "fastinter": "500ms", "downinter": "1s",
        "rise": 3, "fall": 3, "check_timeout": "2s"})"),
                       "t.yml: rto_plan");
    CHECK(stated.name == "edge");
    CHECK(stated.check_timeout == 2);
    auto again = parse_rto_plan(stated.to_json(), "again");
    CHECK(again.check_timeout == 2);
    CHECK(again.fastinter == doctest::Approx(0.5));
}

TEST_CASE("the expected range in a summary uses the cluster's own ttl and loop_wait when they are known") {
    auto fast = *drillhost::named_rto_plan("fast");
    // The plan's own: ttl 20, loop 5, HC = 2 x 0.5 = 1 -> 16 .. 29 s.
    auto plain = drillhost::expected_rto_json(fast, "org.drillhost.drill.primary-down-node-lost");
    CHECK(plain["min_ms"] == 16000);
    CHECK(plain["max_ms"] == 29000);
    CHECK(plain["path"] == "leader lost");
    // The embedded cluster's default timing (ttl 10, loop_wait 1): 10 - 1 + 1 .. 10 + 1 + 2 + 1 + 1.
    auto used = drillhost::expected_rto_json(fast, "org.drillhost.drill.primary-down-node-lost",
                                             json{{"ttl", 10}, {"loop_wait", 1}});
    CHECK(used["min_ms"] == 10000);
    CHECK(used["max_ms"] == 15000);
    CHECK(used["ttl"] == 10);
    // A switchover: HC .. 3 + HC + inter = 1 .. 5 s, whatever the ttl.
    auto manual = drillhost::expected_rto_json(fast, "org.drillhost.drill.switchover", json{{"ttl", 10}});
    CHECK(manual["min_ms"] == 1000);
    CHECK(manual["max_ms"] == 5000);
    CHECK(drillhost::expected_rto_json(fast, "org.drillhost.drill.standby-cluster").is_null());
}
