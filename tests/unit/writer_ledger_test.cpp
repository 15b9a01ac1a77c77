#include <doctest/doctest.h>

#include "writer_ledger.hpp"

using namespace drillhost::probes;

TEST_CASE("RTO is fault to the first acknowledged commit after it, the longest gap spans any client") {
    // Two clients committing every 10 ms; fault at 100 ms; nothing acknowledged from 95 to 1350 ms.
    std::vector<Ack> acks;
    uint64_t id = 0;
    for (double t = 5; t <= 95; t += 10) acks.push_back({++id, static_cast<int>(id % 2), t});
    for (double t = 1350; t <= 1400; t += 10) acks.push_back({++id, static_cast<int>(id % 2), t});
    std::vector<FailedCommit> failures = {{0, 400, "server closed the connection"}, {1, 90, "before"}};
    auto a = analyse(acks, failures, 100);
    REQUIRE(a.rto_ms.has_value());
    CHECK(*a.rto_ms == doctest::Approx(1250));
    CHECK(a.longest_gap_ms == doctest::Approx(1255));
    CHECK(a.longest_gap_start_ms == doctest::Approx(95));
    CHECK(a.failed == 1);
    CHECK(a.failed_before_fault == 1);
    CHECK(a.acknowledged == acks.size());
    CHECK(a.ack_interval_p50_ms == doctest::Approx(10));  // the resolution, outside the outage
    CHECK(a.ack_interval_p99_ms == doctest::Approx(10));
}

TEST_CASE("no acknowledgement after the fault: no RTO, not zero") {
    auto a = analyse({{1, 0, 10}, {2, 0, 20}}, {}, 50);
    CHECK_FALSE(a.rto_ms.has_value());
    CHECK(a.longest_gap_ms == doctest::Approx(10));
}

TEST_CASE("the loss checker reports exactly the acknowledged ids the primary lacks") {
    std::vector<Ack> acks = {{1, 0, 1}, {2, 0, 2}, {3, 1, 3}, {4, 1, 4}, {5, 0, 5}};
    CHECK(lost_ids(acks, {5, 4, 3, 2, 1}).empty());
    CHECK(lost_ids(acks, {1, 2, 5, 99}) == std::vector<uint64_t>{3, 4});  // unacknowledged extras are fine
    CHECK(lost_ids(acks, {}).size() == 5);
}

TEST_CASE("lost writes are split at a time: the unreplicated tail before it, split-brain writes after it") {
    std::vector<Ack> acks = {{1, 0, 10}, {2, 0, 20}, {3, 1, 30}, {4, 1, 40}, {5, 0, 50}};
    auto lost = lost_ids(acks, {1, 2});
    CHECK(acknowledged_after(acks, lost, 35) == 2);  // ids 4 and 5
    CHECK(acknowledged_after(acks, lost, 30) == 3);  // at the time counts as after
    CHECK(acknowledged_after(acks, lost, 60) == 0);
    CHECK(acknowledged_after(acks, {}, 0) == 0);
}
