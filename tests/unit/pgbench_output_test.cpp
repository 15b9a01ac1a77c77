// pgbench's output, as recorded from PostgreSQL 15.18's pgbench against the embedded cluster, plus
// the forms other options and versions print.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cmath>

#include "pgbench_output.hpp"

using namespace drillhost::probes::pgbench;

TEST_CASE("progress lines: PostgreSQL 15's form, with lag and retries, and an empty interval") {
    auto p = parse_progress("progress: 2.0 s, 542.2 tps, lat 3.689 ms stddev 1.911, 0 failed");
    REQUIRE(p);
    CHECK(p->elapsed_s == 2.0);
    CHECK(p->tps == doctest::Approx(542.2));
    CHECK(p->latency_ms == doctest::Approx(3.689));
    CHECK(p->stddev_ms == doctest::Approx(1.911));
    CHECK(p->failed == 0);
    CHECK_FALSE(p->lag_ms);

    p = parse_progress(
        "progress: 5.0 s, 99.8 tps, lat 1.200 ms stddev 0.300, 3 failed, lag 0.052 ms, 4 skipped, 7 retried, "
        "9 retries");
    REQUIRE(p);
    CHECK(p->failed == 3);
    CHECK(*p->lag_ms == doctest::Approx(0.052));
    CHECK(*p->skipped == 4);
    CHECK(*p->retried == 7);

    p = parse_progress("progress: 7.0 s, 0.0 tps, lat 0.000 ms stddev -nan, 0 failed");  // writes stopped
    REQUIRE(p);
    CHECK(p->tps == 0);
    CHECK(std::isnan(p->stddev_ms));

    p = parse_progress("progress: 1.0 s, 579.8 tps, lat 3.296 ms stddev 1.527");  // PostgreSQL 14: no failed
    REQUIRE(p);
    CHECK(p->failed == 0);
}

TEST_CASE("what is not a progress line is not taken for one") {
    CHECK_FALSE(parse_progress("starting vacuum...end."));
    CHECK_FALSE(parse_progress("progress: 1.0 s"));                      // truncated
    CHECK_FALSE(parse_progress("progress: 1.0 s, many tps, lat x ms"));  // garbled
    CHECK_FALSE(parse_progress("200000 of 200000 tuples (100%) done (elapsed 0.10 s, remaining 0.00 s)"));
}

TEST_CASE("the summary pgbench prints when it ends by itself") {
    const char *recorded[] = {"pgbench (15.18 (Debian 15.18-0+deb12u1))",
                              "transaction type: <builtin: TPC-B (sort of)>",
                              "scaling factor: 2",
                              "number of clients: 2",
                              "number of transactions actually processed: 1747",
                              "number of failed transactions: 0 (0.000%)",
                              "latency average = 3.387 ms",
                              "latency stddev = 1.543 ms",
                              "initial connection time = 43.544 ms",
                              "tps = 589.295665 (without initial connection time)"};
    Summary s;
    for (const char *line : recorded) read_summary_line(line, s);
    REQUIRE(s.complete());
    CHECK(s.transaction_type == "<builtin: TPC-B (sort of)>");
    CHECK(*s.transactions == 1747);
    CHECK(*s.failed == 0);
    CHECK(*s.latency_avg_ms == doctest::Approx(3.387));
    CHECK(*s.initial_connection_ms == doctest::Approx(43.544));
    CHECK(*s.tps == doctest::Approx(589.295665));
    Summary none;
    CHECK_FALSE(read_summary_line("progress: 1.0 s, 5.0 tps, lat 1.0 ms stddev 0.1, 0 failed", none));
    CHECK_FALSE(none.complete());
}

TEST_CASE("aborted clients and errors are recognised") {
    std::string abort =
        "pgbench: error: client 0 script 0 aborted in command 1 query 0: FATAL:  terminating connection due "
        "to "
        "administrator command";
    CHECK(is_error(abort));
    CHECK(is_client_abort(abort));
    CHECK(is_error("pgbench: error: Run was aborted; the above results are incomplete."));
    CHECK_FALSE(is_client_abort("pgbench: error: Run was aborted; the above results are incomplete."));
    CHECK_FALSE(is_error("progress: 1.0 s, 5.0 tps, lat 1.0 ms stddev 0.1, 0 failed"));
}

TEST_CASE("exit statuses: pgbench's codes and a signal are told apart") {
    auto exited = [](int code) { return code << 8; };  // as wait(2) encodes a normal exit
    CHECK(*decode_exit(exited(0)).code == 0);
    CHECK(decode_exit(exited(0)).meaning == "completed");
    CHECK(decode_exit(exited(1)).meaning.find("did not start") == 0);
    CHECK(decode_exit(exited(2)).meaning.find("clients aborted") != std::string::npos);
    auto killed = decode_exit(SIGINT);  // a status whose low bits are the signal
    CHECK_FALSE(killed.code);
    CHECK(*killed.signal == SIGINT);
    CHECK(killed.meaning.find("signal") != std::string::npos);
}
